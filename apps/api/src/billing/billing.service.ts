import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  addressHoursDisplay,
  calendarMonth,
  checkPlanChange,
  effectiveQuotas,
  formatMoney,
  gigabytesDisplay,
  hourStart,
  invoiceLineJson,
  isoInstant,
  PLANS,
  previewInvoice,
  toEpochSeconds,
  usageSeries,
  type Holding,
  type InvoiceLine,
  type InvoicePreview,
  type PlanId,
  operatorSuspend,
  operatorUnsuspend,
} from '@anyfront/billing';
import { AccountsRepository, BillingAccountsRepository, BillingRepository, changeBillingAccount, invoiceMirrors, organizationServiceIds, requestSlotsAfterRestore, type BillingAccountRow } from '@anyfront/db';
import { parseTimeRange } from '@anyfront/domain';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { ProblemException, problems } from '../common/problem';
import { AppConfig } from '../config';
import { FleetChanges } from '../fleet/fleet-changes';
import type { BillingInvoicesDto, BillingOverviewDto, BillingUsageDto, InvoiceLineDto, InvoicePreviewDto, OrganizationStandingDto, PlanQuotasDto } from './billing.dto';
import { StripeGateway } from './stripe-gateway';

const HOUR = 3600;

/** An organization's plan, standing, usage and invoices; checkout and portal sessions in Stripe mode. */
@Injectable()
export class BillingService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly stripe: StripeGateway,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly fleet: FleetChanges,
  ) {}

  async overview(organizationId: string, now = new Date()): Promise<BillingOverviewDto> {
    const account = await new BillingAccountsRepository(this.ds).get(organizationId);
    const t = toEpochSeconds(now);
    const month = calendarMonth(t);
    return {
      organization_id: organizationId,
      mode: this.stripe.mode,
      plan: account.plan,
      plan_name: PLANS[account.plan].name,
      status: account.status,
      status_reason: statusReason(account),
      grace_until: account.status === 'past_due' ? (account.graceUntil?.toISOString() ?? null) : null,
      suspension_reason: account.status === 'suspended' ? (account.operatorHold?.reason ?? null) : null,
      suspended_at: account.status === 'suspended' ? (account.suspendedAt?.toISOString() ?? null) : null,
      addresses_reserved_until: this.reservedUntil(account),
      addresses_released_at: account.status === 'suspended' ? (account.addressesReleasedAt?.toISOString() ?? null) : null,
      has_payment_method: account.hasPaymentMethod,
      quotas: quotasDto(account),
      current_period: { from: isoInstant(month.from), to: isoInstant(month.to) },
      invoice_preview: previewDto(await this.preview(organizationId, account.plan, t), t),
    };
  }

  /** The invoice of the current month so far: holdings up to now, traffic hours up to the current one. */
  async preview(organizationId: string, plan: PlanId, t: number): Promise<InvoicePreview> {
    const repo = new BillingRepository(this.ds);
    const period = { from: calendarMonth(t).from, to: hourStart(t) + HOUR };
    const [book, holdings, traffic] = await Promise.all([
      repo.priceBook(),
      repo.holdings(organizationId, period.from, period.to),
      repo.trafficHours(organizationId, period.from, period.to),
    ]);
    return previewInvoice({ organizationId, plan, book, period, holdings: holdings.map((h) => clipAt(h, t)), traffic });
  }

  async usage(organizationId: string, q: Record<string, unknown>, now = new Date()): Promise<BillingUsageDto> {
    const unknown = Object.keys(q).filter((k) => !['from', 'to', 'step'].includes(k));
    if (unknown.length) throw problems.validation(unknown.map((k) => ({ field: `query.${k}`, message: 'is not a known parameter; use from, to, step' })));
    const t = toEpochSeconds(now);
    const defaults = { from: q.from ?? new Date(calendarMonth(t).from * 1000).toISOString(), to: q.to ?? new Date((hourStart(t) + HOUR) * 1000).toISOString(), step: q.step ?? '1d' };
    const range = parseTimeRange(defaults, { defaultStep: 86_400, minStep: HOUR, now });
    if (!range.ok) throw problems.validation([{ field: range.field, message: range.message }]);
    if (range.stepSeconds % HOUR !== 0) throw problems.validation([{ field: 'query.step', message: 'must be a whole number of hours (1h, 6h, 1d, ...): usage is counted per hour' }]);
    // Whole hours: from rounds down, to rounds up.
    const from = hourStart(toEpochSeconds(range.from));
    const toS = toEpochSeconds(range.to);
    const to = hourStart(toS) === toS ? toS : hourStart(toS) + HOUR;
    const repo = new BillingRepository(this.ds);
    const [holdings, traffic] = await Promise.all([repo.holdings(organizationId, from, to), repo.trafficHours(organizationId, from, to)]);
    const series = usageSeries({ organizationId, from, to, step: range.stepSeconds, holdings, traffic, until: t });
    const names = new Map<string, string>(
      series.length
        ? await new BillingRepository(this.ds).serviceNames(organizationId, series.map((s) => s.serviceId))
        : [],
    );
    return {
      from: isoInstant(from),
      to: isoInstant(to),
      step_seconds: range.stepSeconds,
      services: series.map((s) => ({
        service_id: s.serviceId,
        service_name: names.get(s.serviceId) ?? null,
        points: s.buckets.map((b) => ({
          from: isoInstant(b.from),
          to: isoInstant(b.to),
          ipv4_address_seconds: b.ipv4Seconds,
          ipv4_address_hours: addressHoursDisplay(b.ipv4Seconds),
          ipv6_address_seconds: b.ipv6Seconds,
          ipv6_address_hours: addressHoursDisplay(b.ipv6Seconds),
          traffic_bytes: b.bytes.toString(),
          traffic_gb: gigabytesDisplay(b.bytes),
        })),
      })),
    };
  }

  async invoices(organizationId: string): Promise<BillingInvoicesDto> {
    if (this.stripe.mode === 'stripe') {
      const [account, mirrors] = await Promise.all([new BillingAccountsRepository(this.ds).get(organizationId), invoiceMirrors(this.ds, organizationId)]);
      return {
        mode: this.stripe.mode,
        invoices: mirrors.map((i) => ({
          id: i.id,
          source: 'stripe',
          status: i.status,
          period: { from: isoInstant(i.periodStart), to: isoInstant(i.periodEnd) },
          plan: account.plan,
          currency: i.currency,
          // Stripe's invoice: what is due (the total after the allowance); lines are on the hosted page.
          total: i.amountDue.toString(),
          amount_due: i.amountDue.toString(),
          amount_paid: i.amountPaid.toString(),
          payment_failed_at: i.firstFailedAt === null ? null : isoInstant(i.firstFailedAt),
          lines: [],
          hosted_invoice_url: i.hostedInvoiceUrl,
          created_at: isoInstant(i.created),
        })),
      };
    }
    const statements = await new BillingAccountsRepository(this.ds).statements(organizationId);
    return {
      mode: this.stripe.mode,
      invoices: statements.map((s) => ({
        id: s.id,
        source: 'local_statement',
        status: 'issued',
        period: { from: s.periodFrom.toISOString(), to: s.periodTo.toISOString() },
        plan: s.plan,
        currency: s.currency,
        total: s.total.toString(),
        amount_due: s.amountDue.toString(),
        amount_paid: '0',
        payment_failed_at: null,
        lines: s.lines as InvoiceLineDto[],
        hosted_invoice_url: null,
        created_at: s.createdAt.toISOString(),
      })),
    };
  }

  /**
   * An operator suspends (hold with a reason) or lifts their hold. The standing is reconciled like a
   * webhook's: a suspension withdraws the organization's services from the fleet at once; lifting the
   * hold restores them unless an invoice is unpaid past its grace period. Audit-logged with the reason.
   */
  async operatorHold(organizationId: string, action: 'suspend' | 'unsuspend', reason: string, p: Principal): Promise<OrganizationStandingDto> {
    const now = toEpochSeconds(new Date());
    await this.ds.transaction(async (tx) => {
      await this.requireOrganization(organizationId);
      const result = await changeBillingAccount(tx, organizationId, (a) => (action === 'suspend' ? operatorSuspend(a, reason, now) : operatorUnsuspend(a)), {
        now,
        dunning: { graceSeconds: Math.round(this.config.billingGraceDays * 86_400) },
        actor: { userId: p.userId, credential: p.credential, credentialId: p.credentialId },
        auditDetails: { reason },
      });
      await this.audit.record(p, `organization.${action}`, { type: 'organization', id: organizationId, organizationId }, { reason, status: result.row.status }, tx);
      // The standing decides what the publish filter lets through: re-publish with the commit.
      if (result.fleet) await this.fleet.record(tx, { serviceIds: await organizationServiceIds(tx, organizationId) });
      // Restored after its addresses were released: its services get new ones.
      if (result.fleet === 'restore') await requestSlotsAfterRestore(tx, this.config.queuePrefix, organizationId);
    });
    return this.standing(organizationId);
  }

  async requireOrganization(organizationId: string): Promise<void> {
    const org = await new AccountsRepository(this.ds.manager).findOrganization(organizationId);
    if (!org) throw problems.notFound('organization', organizationId);
  }

  async standing(organizationId: string): Promise<OrganizationStandingDto> {
    const a = await new BillingAccountsRepository(this.ds).get(organizationId);
    return {
      organization_id: organizationId,
      status: a.status,
      status_reason: statusReason(a),
      operator_hold: a.operatorHold ? { reason: a.operatorHold.reason, at: a.operatorHold.at.toISOString() } : null,
      grace_until: a.status === 'past_due' ? (a.graceUntil?.toISOString() ?? null) : null,
      suspended_at: a.status === 'suspended' ? (a.suspendedAt?.toISOString() ?? null) : null,
      addresses_reserved_until: this.reservedUntil(a),
      addresses_released_at: a.status === 'suspended' ? (a.addressesReleasedAt?.toISOString() ?? null) : null,
    };
  }

  private reservedUntil(a: BillingAccountRow): string | null {
    if (a.status !== 'suspended' || !a.suspendedAt) return null;
    return new Date(a.suspendedAt.getTime() + Math.round(this.config.billingAddressReserveDays * 86_400) * 1000).toISOString();
  }

  /** Stripe Checkout to add a card and subscribe to the standard plan. */
  async checkoutSession(organizationId: string, plan: 'standard', p: Principal): Promise<string> {
    this.requireStripe();
    const account = await new BillingAccountsRepository(this.ds).get(organizationId);
    const change = checkPlanChange({ from: account.plan, to: plan, hasPaymentMethod: true, actor: 'owner' });
    if (!change.ok && change.reason === 'unchanged') throw problems.conflict(`The organization is already on the ${PLANS[plan].name} plan; manage its card in the customer portal.`, 'plan', 'billing-plan-unchanged');
    if (!change.ok) throw problems.conflict(`The ${PLANS[account.plan].name} plan is set by an operator; ask them to change it.`, 'plan', 'billing-plan-operator-only');
    const customerId = await this.customerOf(organizationId);
    const book = await new BillingRepository(this.ds).priceBook();
    const url = await this.stripe.checkoutSession({ organizationId, customerId, priceIds: await this.stripe.currentPrices(book, toEpochSeconds(new Date())), plan });
    await this.audit.record(p, 'billing.checkout_session', { type: 'organization', id: organizationId, organizationId }, { plan });
    return url;
  }

  async portalSession(organizationId: string, p: Principal): Promise<string> {
    this.requireStripe();
    const url = await this.stripe.portalSession(await this.customerOf(organizationId));
    await this.audit.record(p, 'billing.portal_session', { type: 'organization', id: organizationId, organizationId });
    return url;
  }

  /** The organization's Stripe Customer, created lazily (idempotency key per organization) and stored once. */
  private async customerOf(organizationId: string): Promise<string> {
    const known = (await new BillingAccountsRepository(this.ds).get(organizationId)).stripeCustomerId;
    if (known) return known;
    const org = await new AccountsRepository(this.ds.manager).findOrganization(organizationId);
    const customerId = await this.stripe.createCustomer(organizationId, org?.name ?? organizationId);
    return this.ds.transaction(async (tx) => {
      const repo = new BillingAccountsRepository(tx);
      const account = await repo.get(organizationId, true);
      if (account.stripeCustomerId) return account.stripeCustomerId;
      await repo.save({ ...account, stripeCustomerId: customerId });
      return customerId;
    });
  }

  private requireStripe(): void {
    if (this.stripe.mode === 'local_ledger') {
      throw new ProblemException(HttpStatus.CONFLICT, 'Billing runs in local-ledger mode (STRIPE_SECRET_KEY is not set): usage is rated and kept as local statements, no payment is collected. An operator sets plans.', {
        slug: 'billing-local-ledger',
      });
    }
  }
}

function clipAt(h: Holding, t: number): Holding {
  return h.to === null || h.to > t ? { ...h, to: t > h.from ? t : h.from } : h;
}

function statusReason(a: BillingAccountRow): string | null {
  if (a.status === 'active') return null;
  if (a.operatorHold) return 'operator';
  return a.status === 'past_due' ? 'payment_failed' : 'grace_expired';
}

export function quotasDto(a: BillingAccountRow): PlanQuotasDto {
  const q = effectiveQuotas(a.plan, a.quotaOverrides);
  return {
    services: q.services,
    ipv4_addresses: q.ipv4Addresses,
    backends_per_service: q.backendsPerService,
    backends_per_organization: q.backendsPerOrganization,
    api_keys: q.apiKeys,
    traffic_gb_per_month: q.trafficGbPerMonth,
  };
}

export function lineDto(l: InvoiceLine): InvoiceLineDto {
  return invoiceLineJson(l);
}

export function previewDto(p: InvoicePreview, asOf: number): InvoicePreviewDto {
  return {
    period: { from: isoInstant(p.period.from), to: isoInstant(p.period.to) },
    as_of: isoInstant(asOf),
    currency: p.currency,
    lines: p.lines.map(lineDto),
    subtotal: p.subtotal.toString(),
    total: p.total.toString(),
    amount_due: p.amountDue.toString(),
    total_formatted: formatMoney(p.total, p.currency),
  };
}
