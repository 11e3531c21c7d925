import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import {
  BillingError,
  BillingErrorCode,
  classifyStripeError,
  hourStart,
  measureUsage,
  meterEventsForHour,
  stripeCatalog,
  type MeterEventParams,
} from '@anyfront/billing';
import { sendMeterEventsJob } from '@anyfront/contracts';
import { BillingRepository, MeterExportRepository, OutboxRepository, type PendingMeterEvent } from '@anyfront/db';

const HOUR = 3600;

export interface MeasureOptions {
  /** Epoch seconds. */
  now: number;
  /** An hour is measured this long after it closed (the traffic roll-up's lag). */
  delaySeconds: number;
  /** Hours before the watermark measured again: traffic reported late goes out as delta events. */
  lookbackHours: number;
  /** At most this many new hours per organization and run (a long outage of the worker catches up over runs). */
  maxHoursPerRun: number;
  queuePrefix: string;
}

export interface MeasureResult {
  organizations: number;
  hours: number;
  events: number;
  /** Hours whose usage fell below what was exported (cannot be unbilled): skipped, with why. */
  skipped: string[];
}

/**
 * Measures every closed hour of every organization with a Stripe Customer into meter events and
 * writes them to `meter_export_events` (the export outbox) with the watermark, in one transaction
 * per organization, plus an outbox job that sends them. A row's identifier and value are fixed
 * here, never recomputed at send time; measuring an hour again only adds the growth (late traffic)
 * as a delta event with its own deterministic identifier.
 */
export async function measureMeterEvents(ds: DataSource, opts: MeasureOptions): Promise<MeasureResult> {
  const until = hourStart(opts.now - opts.delaySeconds);
  const orgs = await new MeterExportRepository(ds).customers();
  const result: MeasureResult = { organizations: 0, hours: 0, events: 0, skipped: [] };
  const book = await new BillingRepository(ds).priceBook();
  for (const { organization_id: org, stripe_customer_id: customer } of orgs) {
    await ds.transaction(async (tx) => {
      const exports = new MeterExportRepository(tx);
      const state = await exports.lockWatermark(org, opts.now);
      const watermark = state.until;
      const to = Math.min(until, watermark + opts.maxHoursPerRun * HOUR);
      const from = Math.max(state.from, watermark - opts.lookbackHours * HOUR);
      if (to <= from) return;
      const repo = new BillingRepository(tx);
      const [holdings, traffic] = await Promise.all([repo.holdings(org, from, to), repo.trafficHours(org, from, to)]);
      const exported = await exports.exportedTotals(org, from, to);
      const events: MeterEventParams[] = [];
      for (let h = from; h < to; h += HOUR) {
        const usage = measureUsage(book, org, { from: h, to: h + HOUR }, holdings, traffic);
        try {
          events.push(...meterEventsForHour({ organizationId: org, stripeCustomerId: customer, hour: h, usage, alreadyExported: exported.get(h) }));
        } catch (err) {
          if (!(err instanceof BillingError) || err.code !== BillingErrorCode.UsageDecreased) throw err;
          result.skipped.push(`${org}: ${err.message}`);
        }
      }
      if (events.length) {
        const inserted = await exports.insertEvents(org, events, opts.now);
        result.events += inserted;
        if (inserted) await new OutboxRepository(tx, opts.queuePrefix).add([sendMeterEventsJob()]);
      }
      if (to > watermark) {
        await exports.advanceWatermark(org, to);
        result.hours += (to - watermark) / HOUR;
      }
      result.organizations++;
    });
  }
  return result;
}

export interface SendResult {
  sent: number;
  /** Stripe already had the identifier (a resend after a lost answer): counted once. */
  alreadyDelivered: number;
  /** Calls that failed and wait for their next attempt. */
  failed: number;
  /** Rows still unsent after this run. */
  pending: number;
}

/** Backoff of a failed send: 5 s doubling per attempt, at most 10 minutes (Stripe's Retry-After wins). */
export function retryDelaySeconds(attempts: number, retryAfter: number | null): number {
  if (retryAfter !== null) return retryAfter;
  return Math.min(600, 5 * 2 ** Math.min(attempts, 10));
}

/**
 * Delivers due rows of the export outbox to Stripe (`billing.meterEvents.create`), oldest hour first.
 * Success or "an event already exists with identifier" marks a row sent; a retryable failure (5xx,
 * 429, timeout, connection) schedules its next attempt and ends the run (Stripe is struggling);
 * nothing is recomputed, so an outage only delays the export.
 */
export async function sendMeterEvents(ds: DataSource, stripe: Stripe, opts: { now: number; batchSize: number; concurrency: number; meters: Set<string> }): Promise<SendResult> {
  const out: SendResult = { sent: 0, alreadyDelivered: 0, failed: 0, pending: 0 };
  const exports = new MeterExportRepository(ds);
  const rows = await exports.due(opts.now, opts.batchSize);
  const fail = async (r: PendingMeterEvent, err: unknown): Promise<boolean> => {
    const c = classifyStripeError(err);
    if (c.kind === 'already_delivered') {
      await exports.markSent([r.identifier], 'already delivered (identifier known to Stripe)');
      out.alreadyDelivered++;
      return true;
    }
    const delay = c.kind === 'retry' ? retryDelaySeconds(r.attempts, c.afterSeconds) : HOUR;
    await exports.markFailed(r.identifier, opts.now + delay, `${c.kind}: ${c.reason}`);
    out.failed++;
    return c.kind !== 'retry';
  };
  try {
    await ensureMeters(ds, stripe, [...new Set(rows.map((r) => r.event_name))], opts.meters);
  } catch (err) {
    // Stripe unreachable: every row waits (no attempt counted against a row that was not sent).
    if (classifyStripeError(err).kind === 'retry') return { ...out, pending: await exports.pendingCount() };
    throw err;
  }
  let keepGoing = true;
  for (let i = 0; i < rows.length && keepGoing; i += opts.concurrency) {
    const chunk = rows.slice(i, i + opts.concurrency);
    const delivered: string[] = [];
    const results = await Promise.all(
      chunk.map(async (r) => {
        try {
          await stripe.billing.meterEvents.create({
            event_name: r.event_name,
            identifier: r.identifier,
            timestamp: Number(r.hour),
            payload: { stripe_customer_id: r.stripe_customer_id, value: r.value },
          });
          delivered.push(r.identifier);
          return true;
        } catch (err) {
          return fail(r, err);
        }
      }),
    );
    // One round trip per chunk (a crash before it only means a resend, which Stripe counts once).
    await exports.markSent(delivered);
    out.sent += delivered.length;
    keepGoing = results.every(Boolean);
  }
  out.pending = await exports.pendingCount();
  return out;
}

/** The Stripe meters of these event names exist (created from the price book's catalog when missing; remembered per process). */
async function ensureMeters(ds: DataSource, stripe: Stripe, eventNames: string[], known: Set<string>): Promise<void> {
  const missing = eventNames.filter((e) => !known.has(e));
  if (!missing.length) return;
  const existing = await stripe.billing.meters.list({ limit: 100, status: 'active' });
  for (const m of existing.data) known.add(m.event_name);
  const catalog = stripeCatalog(await new BillingRepository(ds).priceBook());
  for (const name of missing.filter((e) => !known.has(e))) {
    const item = catalog.find((c) => c.eventName === name);
    if (!item) throw new Error(`meter event ${name} is not in the price book's catalog`);
    await stripe.billing.meters.create(item.meter, { idempotencyKey: `meter:${name}` });
    known.add(name);
  }
}
