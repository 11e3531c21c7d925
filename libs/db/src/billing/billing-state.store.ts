import {
  currentSubscription,
  isPlanId,
  money,
  reconcile,
  type BillingAccount,
  type BillingStanding,
  type BillingTransition,
  type DunningConfig,
  type InvoiceMirror,
  type InvoiceStatus,
  type SubscriptionMirror,
} from '@anyfront/billing';
import { assignSlotsJob } from '@anyfront/contracts';
import { OutboxRepository } from '../outbox/outbox.repository';
import { BillingAccountsRepository, type BillingAccountRow } from './billing-accounts.repository';
import type { Queryable } from './billing.repository';

/** Who caused a billing change, for the audit log: an operator (user id) or the system (webhook, grace timer). */
export interface BillingActor {
  userId: string | null;
  credential: 'session' | 'api_key' | 'system';
  credentialId: string | null;
}

export const SYSTEM_ACTOR: BillingActor = { userId: null, credential: 'system', credentialId: null };

export interface BillingChangeResult {
  row: BillingAccountRow;
  standing: BillingStanding;
  transitions: BillingTransition[];
  /** The organization's services must be withdrawn from (true) or put back into (false) the fleet; null: no fleet change. */
  fleet: 'withdraw' | 'restore' | null;
}

interface InvoiceSql {
  id: string;
  status: InvoiceStatus;
  created: string;
  currency: string;
  amount_due: string;
  amount_paid: string;
  period_start: string;
  period_end: string;
  subscription_id: string | null;
  hosted_invoice_url: string | null;
  event_id: string;
  event_created: string;
  first_failed_at: string | null;
}

interface SubscriptionSql {
  id: string;
  status: string;
  created: string;
  plan: string;
  current_period_start: string | null;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  event_id: string;
  event_created: string;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

/** libs/billing's BillingAccount of an organization: its account row plus the invoice and subscription mirrors. */
export async function loadBillingAccount(db: Queryable, row: BillingAccountRow): Promise<BillingAccount> {
  const [invoices, subscriptions]: [InvoiceSql[], SubscriptionSql[]] = await Promise.all([
    db.query(`SELECT * FROM billing_invoices WHERE organization_id = $1`, [row.organizationId]),
    db.query(`SELECT * FROM billing_subscriptions WHERE organization_id = $1`, [row.organizationId]),
  ]);
  return {
    organizationId: row.organizationId,
    stripeCustomerId: row.stripeCustomerId,
    hasPaymentMethod: row.hasPaymentMethod,
    operatorPlan: row.operatorPlan,
    operatorHold: row.operatorHold ? { reason: row.operatorHold.reason, at: Math.floor(row.operatorHold.at.getTime() / 1000) } : null,
    invoices: Object.fromEntries(
      invoices.map((i): [string, InvoiceMirror] => [
        i.id,
        {
          id: i.id,
          status: i.status,
          created: Number(i.created),
          currency: i.currency,
          amountDue: money(BigInt(i.amount_due)),
          amountPaid: money(BigInt(i.amount_paid)),
          periodStart: Number(i.period_start),
          periodEnd: Number(i.period_end),
          subscriptionId: i.subscription_id,
          hostedInvoiceUrl: i.hosted_invoice_url,
          eventId: i.event_id,
          eventCreated: Number(i.event_created),
          firstFailedAt: num(i.first_failed_at),
        },
      ]),
    ),
    subscriptions: Object.fromEntries(
      subscriptions.map((s): [string, SubscriptionMirror] => [
        s.id,
        {
          id: s.id,
          status: s.status,
          created: Number(s.created),
          plan: isPlanId(s.plan) ? s.plan : 'free',
          currentPeriodStart: num(s.current_period_start),
          currentPeriodEnd: num(s.current_period_end),
          cancelAtPeriodEnd: s.cancel_at_period_end,
          eventId: s.event_id,
          eventCreated: Number(s.event_created),
        },
      ]),
    ),
  };
}

async function saveMirrors(db: Queryable, before: BillingAccount, after: BillingAccount): Promise<void> {
  // applySignal replaces only the objects it merged into: the rest keep their identity.
  for (const i of Object.values(after.invoices)) {
    if (before.invoices[i.id] === i) continue;
    await db.query(
      `INSERT INTO billing_invoices (id, organization_id, status, created, currency, amount_due, amount_paid, period_start, period_end,
                                     subscription_id, hosted_invoice_url, event_id, event_created, first_failed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, created = EXCLUDED.created, currency = EXCLUDED.currency,
         amount_due = EXCLUDED.amount_due, amount_paid = EXCLUDED.amount_paid, period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
         subscription_id = EXCLUDED.subscription_id, hosted_invoice_url = EXCLUDED.hosted_invoice_url, event_id = EXCLUDED.event_id,
         event_created = EXCLUDED.event_created, first_failed_at = EXCLUDED.first_failed_at, updated_at = now()`,
      [
        i.id,
        after.organizationId,
        i.status,
        i.created,
        i.currency,
        i.amountDue.toString(),
        i.amountPaid.toString(),
        i.periodStart,
        i.periodEnd,
        i.subscriptionId,
        i.hostedInvoiceUrl,
        i.eventId,
        i.eventCreated,
        i.firstFailedAt,
      ],
    );
  }
  for (const s of Object.values(after.subscriptions)) {
    if (before.subscriptions[s.id] === s) continue;
    await db.query(
      `INSERT INTO billing_subscriptions (id, organization_id, status, created, plan, current_period_start, current_period_end, cancel_at_period_end, event_id, event_created)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, created = EXCLUDED.created, plan = EXCLUDED.plan,
         current_period_start = EXCLUDED.current_period_start, current_period_end = EXCLUDED.current_period_end,
         cancel_at_period_end = EXCLUDED.cancel_at_period_end, event_id = EXCLUDED.event_id, event_created = EXCLUDED.event_created, updated_at = now()`,
      [s.id, after.organizationId, s.status, s.created, s.plan, s.currentPeriodStart, s.currentPeriodEnd, s.cancelAtPeriodEnd, s.eventId, s.eventCreated],
    );
  }
}

const AUDIT_ACTION: Record<BillingTransition['type'], string> = {
  past_due: 'billing.past_due',
  suspended: 'billing.suspended',
  restored: 'billing.restored',
  plan_changed: 'billing.plan_changed',
  payment_method_added: 'billing.payment_method_added',
};

/**
 * The one write path of an organization's billing standing (webhook job, grace timer, operator
 * suspend/unsuspend): inside the caller's transaction, lock the account, fold `change` into it,
 * reconcile with what was applied, store mirrors, account and one audit entry per transition.
 * The caller withdraws or restores the organization's services in the fleet after the commit.
 */
export async function changeBillingAccount(
  tx: Queryable,
  organizationId: string,
  change: (account: BillingAccount) => BillingAccount,
  opts: { now: number; dunning: DunningConfig; actor?: BillingActor; auditDetails?: Record<string, unknown> },
): Promise<BillingChangeResult> {
  const accounts = new BillingAccountsRepository(tx);
  const row = await accounts.get(organizationId, true);
  const before = await loadBillingAccount(tx, row);
  const after = change(before);
  const r = reconcile({ status: row.status, plan: row.plan, hasPaymentMethod: row.hasPaymentMethod }, after, opts.now, opts.dunning);
  await saveMirrors(tx, before, after);
  const next: BillingAccountRow = {
    ...row,
    stripeCustomerId: after.stripeCustomerId,
    stripeSubscriptionId: currentSubscription(after)?.id ?? row.stripeSubscriptionId,
    hasPaymentMethod: after.hasPaymentMethod,
    operatorPlan: after.operatorPlan,
    operatorHold: after.operatorHold ? { reason: after.operatorHold.reason, at: new Date(after.operatorHold.at * 1000) } : null,
    status: r.applied.status,
    plan: r.applied.plan,
    graceUntil: r.standing.graceUntil === null ? null : new Date(r.standing.graceUntil * 1000),
    suspendedAt: r.applied.status === 'suspended' ? (row.status === 'suspended' ? row.suspendedAt : new Date(opts.now * 1000)) : null,
    addressesReleasedAt: r.applied.status === 'suspended' ? row.addressesReleasedAt : null,
  };
  await accounts.save(next);
  const actor = opts.actor ?? SYSTEM_ACTOR;
  for (const t of r.transitions) {
    await tx.query(
      `INSERT INTO audit_log (actor_user_id, actor_credential, credential_id, organization_id, action, target_type, target_id, details)
       VALUES ($1, $2, $3, $4, $5, 'organization', $6, $7)`,
      [actor.userId, actor.credential, actor.credentialId, organizationId, AUDIT_ACTION[t.type], organizationId, JSON.stringify({ ...t, ...opts.auditDetails })],
    );
  }
  const wasOut = row.status === 'suspended';
  const isOut = next.status === 'suspended';
  return { row: next, standing: r.standing, transitions: r.transitions, fleet: wasOut === isOut ? null : isOut ? 'withdraw' : 'restore' };
}

/** Ids of the organization's live services (the ones a suspension withdraws from the fleet). */
export async function organizationServiceIds(db: Queryable, organizationId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(`SELECT id FROM services WHERE organization_id = $1 AND deleted_at IS NULL`, [organizationId]);
  return rows.map((r) => r.id);
}

/** Organizations whose standing may change with the clock alone: past due (grace runs out). */
export async function pastDueOrganizationIds(db: Queryable, now: Date): Promise<string[]> {
  const rows: Array<{ organization_id: string }> = await db.query(
    `SELECT organization_id FROM billing_accounts WHERE status = 'past_due' AND (grace_until IS NULL OR grace_until <= $1) ORDER BY 1`,
    [now],
  );
  return rows.map((r) => r.organization_id);
}

export interface InvoiceMirrorRow {
  id: string;
  status: InvoiceStatus;
  created: number;
  currency: string;
  amountDue: bigint;
  amountPaid: bigint;
  periodStart: number;
  periodEnd: number;
  hostedInvoiceUrl: string | null;
  firstFailedAt: number | null;
}

/** The organization's invoices as mirrored from Stripe webhooks, newest first. */
export async function invoiceMirrors(db: Queryable, organizationId: string): Promise<InvoiceMirrorRow[]> {
  const rows: InvoiceSql[] = await db.query(`SELECT * FROM billing_invoices WHERE organization_id = $1 ORDER BY created DESC, id DESC`, [organizationId]);
  return rows.map((i) => ({
    id: i.id,
    status: i.status,
    created: Number(i.created),
    currency: i.currency,
    amountDue: BigInt(i.amount_due),
    amountPaid: BigInt(i.amount_paid),
    periodStart: Number(i.period_start),
    periodEnd: Number(i.period_end),
    hostedInvoiceUrl: i.hosted_invoice_url,
    firstFailedAt: num(i.first_failed_at),
  }));
}

/** Why a released service waits: shown as its status reason until the organization is restored. */
export const RELEASED_STATUS_REASON = 'the organization was suspended longer than its addresses are reserved: they were released; new ones are assigned when it is restored';

/**
 * Suspended organizations whose addresses have been reserved for `reserveSeconds`: their services'
 * addresses go into quarantine (the holding history closes, nothing more is billed for them) and the
 * services wait as `pending` (the slot assigner skips suspended organizations). Once per suspension
 * (`addresses_released_at`). Returns the organizations and addresses released.
 */
export async function releaseReservedAddresses(
  db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  opts: { now: number; reserveSeconds: number; quarantineDays: number },
): Promise<Array<{ organizationId: string; addresses: string[] }>> {
  const due: Array<{ organization_id: string }> = await db.query(
    `SELECT organization_id FROM billing_accounts
      WHERE status = 'suspended' AND addresses_released_at IS NULL AND suspended_at <= to_timestamp($1) ORDER BY 1`,
    [opts.now - opts.reserveSeconds],
  );
  const out: Array<{ organizationId: string; addresses: string[] }> = [];
  for (const { organization_id: org } of due) {
    const released = await db.transaction(async (tx) => {
      const row = await new BillingAccountsRepository(tx).get(org, true);
      if (row.status !== 'suspended' || row.addressesReleasedAt || !row.suspendedAt || row.suspendedAt.getTime() / 1000 > opts.now - opts.reserveSeconds) return null;
      const addresses: Array<{ address: string }> = rowsOfResult(
        await tx.query(
          `UPDATE anycast_addresses SET state = 'quarantined', quarantined_until = now() + $2::float8 * interval '1 day'
            WHERE state = 'assigned' AND service_id IN (SELECT id FROM services WHERE organization_id = $1 AND deleted_at IS NULL)
            RETURNING host(address) AS address`,
          [org, opts.quarantineDays],
        ),
      );
      await tx.query(
        `UPDATE services SET status = 'pending', status_reason = $2, updated_at = now()
          WHERE organization_id = $1 AND deleted_at IS NULL AND status IN ('pending', 'waiting_for_capacity', 'active')`,
        [org, RELEASED_STATUS_REASON],
      );
      await tx.query(`UPDATE billing_accounts SET addresses_released_at = to_timestamp($2), updated_at = now() WHERE organization_id = $1`, [org, opts.now]);
      const list = addresses.map((a) => a.address).sort();
      await tx.query(
        `INSERT INTO audit_log (actor_credential, organization_id, action, target_type, target_id, details)
         VALUES ('system', $1, 'billing.addresses_released', 'organization', $2, $3)`,
        [org, org, JSON.stringify({ addresses: list, quarantine_days: opts.quarantineDays })],
      );
      return list;
    });
    if (released) out.push({ organizationId: org, addresses: released });
  }
  return out;
}

/** On restore: the organization's services that wait for addresses (released while suspended) get slot assignment through the outbox. */
export async function requestSlotsAfterRestore(tx: Queryable, queuePrefix: string, organizationId: string): Promise<number> {
  const rows: Array<{ id: string }> = await tx.query(
    `SELECT id FROM services WHERE organization_id = $1 AND deleted_at IS NULL AND status IN ('pending', 'waiting_for_capacity')`,
    [organizationId],
  );
  await new OutboxRepository(tx, queuePrefix).add(rows.map((r) => assignSlotsJob(r.id)));
  return rows.length;
}

/** Rows of an UPDATE ... RETURNING through TypeORM (`[rows, count]`) or pg (`rows`). */
function rowsOfResult<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
