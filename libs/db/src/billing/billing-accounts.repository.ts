import { isPlanId, type BillingStatus, type PlanId, type PlanQuotas } from '@anyfront/billing';
import type { Queryable } from './billing.repository';

/** The billing_accounts row of an organization; an organization without one is free and active. */
export interface BillingAccountRow {
  organizationId: string;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  hasPaymentMethod: boolean;
  operatorPlan: PlanId | null;
  quotaOverrides: Partial<PlanQuotas>;
  operatorHold: { reason: string; at: Date } | null;
  status: BillingStatus;
  plan: PlanId;
  graceUntil: Date | null;
  statusChangedAt: Date | null;
  /** When the services were withdrawn (status suspended); addresses stay reserved from then. */
  suspendedAt: Date | null;
  /** While suspended: when the addresses were released (after the reserve period). */
  addressesReleasedAt: Date | null;
}

export interface StatementRow {
  id: string;
  periodFrom: Date;
  periodTo: Date;
  plan: PlanId;
  currency: string;
  lines: unknown[];
  subtotal: bigint;
  total: bigint;
  amountDue: bigint;
  createdAt: Date;
}

interface AccountSqlRow {
  organization_id: string;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  has_payment_method: boolean;
  operator_plan: string | null;
  quota_overrides: Partial<PlanQuotas>;
  operator_hold_reason: string | null;
  operator_hold_at: Date | null;
  status: BillingStatus;
  plan: string;
  grace_until: Date | null;
  status_changed_at: Date | null;
  suspended_at: Date | null;
  addresses_released_at: Date | null;
}

export function defaultAccountRow(organizationId: string): BillingAccountRow {
  return {
    organizationId,
    stripeCustomerId: null,
    stripeSubscriptionId: null,
    hasPaymentMethod: false,
    operatorPlan: null,
    quotaOverrides: {},
    operatorHold: null,
    status: 'active',
    plan: 'free',
    graceUntil: null,
    statusChangedAt: null,
    suspendedAt: null,
    addressesReleasedAt: null,
  };
}

function toRow(r: AccountSqlRow): BillingAccountRow {
  return {
    organizationId: r.organization_id,
    stripeCustomerId: r.stripe_customer_id,
    stripeSubscriptionId: r.stripe_subscription_id,
    hasPaymentMethod: r.has_payment_method,
    operatorPlan: r.operator_plan && isPlanId(r.operator_plan) ? r.operator_plan : null,
    quotaOverrides: r.quota_overrides,
    operatorHold: r.operator_hold_reason !== null && r.operator_hold_at !== null ? { reason: r.operator_hold_reason, at: r.operator_hold_at } : null,
    status: r.status,
    plan: isPlanId(r.plan) ? r.plan : 'free',
    graceUntil: r.grace_until,
    statusChangedAt: r.status_changed_at,
    suspendedAt: r.suspended_at,
    addressesReleasedAt: r.addresses_released_at,
  };
}

/** Billing accounts and local statements; the organization is a parameter of every call. */
export class BillingAccountsRepository {
  constructor(private readonly db: Queryable) {}

  /** The account, or the defaults when the organization has none yet. `lock` creates the row and locks it (inside a transaction). */
  async get(organizationId: string, lock = false): Promise<BillingAccountRow> {
    if (lock) await this.db.query(`INSERT INTO billing_accounts (organization_id) VALUES ($1) ON CONFLICT DO NOTHING`, [organizationId]);
    const rows: AccountSqlRow[] = await this.db.query(`SELECT * FROM billing_accounts WHERE organization_id = $1${lock ? ' FOR UPDATE' : ''}`, [organizationId]);
    const [row] = rows;
    return row ? toRow(row) : defaultAccountRow(organizationId);
  }

  /** Writes the account's columns (the row exists: get(id, true) first). */
  async save(a: BillingAccountRow): Promise<void> {
    await this.db.query(
      `UPDATE billing_accounts
          SET stripe_customer_id = $2, stripe_subscription_id = $3, has_payment_method = $4, operator_plan = $5, quota_overrides = $6,
              operator_hold_reason = $7, operator_hold_at = $8, plan = $9, grace_until = $10,
              status_changed_at = CASE WHEN status <> $11 THEN now() ELSE status_changed_at END, status = $11, suspended_at = $12, addresses_released_at = $13, updated_at = now()
        WHERE organization_id = $1`,
      [
        a.organizationId,
        a.stripeCustomerId,
        a.stripeSubscriptionId,
        a.hasPaymentMethod,
        a.operatorPlan,
        JSON.stringify(a.quotaOverrides),
        a.operatorHold?.reason ?? null,
        a.operatorHold?.at ?? null,
        a.plan,
        a.graceUntil,
        a.status,
        a.suspendedAt,
        a.addressesReleasedAt,
      ],
    );
  }

  /** Organizations whose services are withdrawn (suspended). */
  /** Mirrored Stripe subscriptions that still bill (not canceled or ended), with their organization. */
  liveSubscriptions(): Promise<Array<{ id: string; organization_id: string; current_period_start: string | null }>> {
    return this.db.query(`SELECT id, organization_id, current_period_start::text FROM billing_subscriptions WHERE status IN ('active', 'past_due', 'trialing', 'unpaid') ORDER BY organization_id, id`);
  }

  async suspendedOrganizationIds(): Promise<string[]> {
    const rows: Array<{ organization_id: string }> = await this.db.query(`SELECT organization_id FROM billing_accounts WHERE status = 'suspended'`);
    return rows.map((r) => r.organization_id);
  }

  async isSuspended(organizationId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM billing_accounts WHERE organization_id = $1 AND status = 'suspended'`, [organizationId]);
    return rows.length > 0;
  }

  async statements(organizationId: string): Promise<StatementRow[]> {
    const rows: Array<{ id: string; period_from: Date; period_to: Date; plan: string; currency: string; lines: unknown[]; subtotal: string; total: string; amount_due: string; created_at: Date }> =
      await this.db.query(
        `SELECT id, period_from, period_to, plan, currency, lines, subtotal::text, total::text, amount_due::text, created_at
           FROM billing_statements WHERE organization_id = $1 ORDER BY period_from DESC`,
        [organizationId],
      );
    return rows.map((r) => ({
      id: r.id,
      periodFrom: r.period_from,
      periodTo: r.period_to,
      plan: isPlanId(r.plan) ? r.plan : 'free',
      currency: r.currency,
      lines: r.lines,
      subtotal: BigInt(r.subtotal),
      total: BigInt(r.total),
      amountDue: BigInt(r.amount_due),
      createdAt: r.created_at,
    }));
  }

  /** Inserts a period's statement once; a second close of the same period is a no-op. Returns whether it was new. */
  async insertStatement(organizationId: string, s: Omit<StatementRow, 'id' | 'createdAt'>): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO billing_statements (organization_id, period_from, period_to, plan, currency, lines, subtotal, total, amount_due)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (organization_id, period_from) DO NOTHING RETURNING id`,
      [organizationId, s.periodFrom, s.periodTo, s.plan, s.currency, JSON.stringify(s.lines), s.subtotal.toString(), s.total.toString(), s.amountDue.toString()],
    );
    return rows.length > 0;
  }

  /** Organizations that held an address or sent traffic in [from, to): the ones a period's statement is for. */
  async organizationsWithUsage(from: Date, to: Date): Promise<string[]> {
    const rows: Array<{ organization_id: string }> = await this.db.query(
      `SELECT u.organization_id FROM (
         SELECT organization_id FROM address_holdings WHERE held_from < $2 AND (held_to IS NULL OR held_to > $1)
         UNION
         SELECT organization_id FROM traffic_hourly WHERE hour >= $1 AND hour < $2 AND bytes > 0
       ) u JOIN organizations o ON o.id = u.organization_id
       ORDER BY 1`,
      [from, to],
    );
    return rows.map((r) => r.organization_id);
  }
}
