import type { DataSource } from 'typeorm';
import { handleStripeEvent, INITIAL_APPLIED_STATE, ORGANIZATION_METADATA_KEY, signalFromStripeEvent, type DunningConfig, type StripeEventLike } from '@anyfront/billing';
import { changeBillingAccount, organizationServiceIds, StripeEventsRepository, pastDueOrganizationIds, recordFleetChange, requestSlotsAfterRestore, type BillingChangeResult, type SqlRunner } from '@anyfront/db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ProcessedEvent {
  eventId: string;
  outcome: 'applied' | 'ignored' | 'unmatched' | 'already_processed' | 'missing';
  organizationId: string | null;
  detail?: string;
  change?: BillingChangeResult;
}

/** The organization a verified event is about: its Stripe customer, else the organization id we put on the object. */
async function organizationOf(events: StripeEventsRepository, event: StripeEventLike): Promise<string | null> {
  const signal = signalFromStripeEvent(event);
  if (signal.kind === 'ignored') return null;
  if (signal.customerId) {
    const organizationId = await events.organizationOfCustomer(signal.customerId);
    if (organizationId) return organizationId;
  }
  const object = event.data.object as { metadata?: Record<string, unknown> | null; client_reference_id?: unknown } | null;
  const candidates = [signal.kind === 'checkout_completed' ? signal.organizationId : null, object?.metadata?.[ORGANIZATION_METADATA_KEY], object?.client_reference_id];
  for (const c of candidates) {
    if (typeof c !== 'string' || !UUID.test(c)) continue;
    if (await events.organizationExists(c)) return c;
  }
  return null;
}

/**
 * Applies one stored Stripe event, once: the event row is locked and marked processed in the same
 * transaction as the mirrors, the account and the audit entries, so a redelivery, a duplicate job or
 * a retry after a crash finds it processed and changes nothing. Order of arrival does not matter
 * (libs/billing merges snapshots). A change of standing re-publishes the organization's services in
 * that same transaction (outbox of `queuePrefix`).
 */
export async function processStripeEvent(ds: DataSource, queuePrefix: string, eventId: string, opts: { now: number; dunning: DunningConfig }): Promise<ProcessedEvent> {
  const result = await ds.transaction(async (tx): Promise<ProcessedEvent> => {
    const events = new StripeEventsRepository(tx);
    const row = await events.lock(eventId);
    if (!row) return { eventId, outcome: 'missing', organizationId: null };
    if (row.processed) return { eventId, outcome: 'already_processed', organizationId: null };
    const event = row.payload as StripeEventLike;
    const done = async (outcome: ProcessedEvent['outcome'], organizationId: string | null, detail?: string) => {
      await events.markProcessed(eventId, organizationId, detail ? `${outcome}: ${detail}` : outcome);
    };
    const signal = signalFromStripeEvent(event);
    if (signal.kind === 'ignored') {
      await done('ignored', null, signal.reason);
      return { eventId, outcome: 'ignored', organizationId: null, detail: signal.reason };
    }
    const organizationId = await organizationOf(events, event);
    if (!organizationId) {
      await done('unmatched', null, 'no organization has this customer');
      return { eventId, outcome: 'unmatched', organizationId: null };
    }
    let ignoredWhy: string | null = null;
    const change = await changeBillingAccount(
      tx,
      organizationId,
      (account) => {
        const r = handleStripeEvent(INITIAL_APPLIED_STATE, account, event, opts.now, opts.dunning);
        if (r.signal.kind === 'ignored') ignoredWhy = r.signal.reason;
        return r.account;
      },
      { now: opts.now, dunning: opts.dunning, auditDetails: { stripe_event_id: event.id, stripe_event_type: event.type } },
    );
    await done(ignoredWhy ? 'ignored' : 'applied', organizationId, ignoredWhy ?? undefined);
    if (change.fleet) await publishStanding(tx, queuePrefix, organizationId);
    return { eventId, outcome: ignoredWhy ? 'ignored' : 'applied', organizationId, change, ...(ignoredWhy ? { detail: ignoredWhy } : {}) };
  });
  return result;
}

/** Re-publishes the organization's services: the publish filter withdraws or restores them by its standing. */
export async function publishStanding(tx: SqlRunner, queuePrefix: string, organizationId: string): Promise<void> {
  const serviceIds = await organizationServiceIds(tx, organizationId);
  if (serviceIds.length) await recordFleetChange(tx, queuePrefix, { serviceIds });
  // Restored after its addresses were released: its services get new ones (a no-op otherwise).
  await requestSlotsAfterRestore(tx, queuePrefix, organizationId);
}

/** The grace timer: past-due organizations whose grace has run out are suspended (withdrawn from the fleet). */
export async function sweepDunning(ds: DataSource, queuePrefix: string, opts: { now: number; dunning: DunningConfig }): Promise<string[]> {
  const suspended: string[] = [];
  for (const organizationId of await pastDueOrganizationIds(ds, new Date(opts.now * 1000))) {
    const change = await ds.transaction(async (tx) => {
      const c = await changeBillingAccount(tx, organizationId, (a) => a, { now: opts.now, dunning: opts.dunning });
      if (c.fleet) await publishStanding(tx, queuePrefix, organizationId);
      return c;
    });
    if (change.fleet) suspended.push(organizationId);
  }
  return suspended;
}

/** Stored events no job processed (an enqueue lost after the webhook answered): their ids, oldest first. */
export function unprocessedEventIds(ds: DataSource, olderThanSeconds: number): Promise<string[]> {
  return new StripeEventsRepository(ds).unprocessedIds(olderThanSeconds);
}
