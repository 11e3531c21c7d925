// Dunning: an organization's standing (active / past_due / suspended) derived from its mirrored
// Stripe invoices, the clock and operator holds.
//
// Webhooks arrive late, twice, and out of order (invoice.paid before invoice.payment_failed for the
// same invoice). So the state is not a sequence of transitions but a merge of snapshots that does
// not depend on arrival order:
// - an invoice's mirror keeps the snapshot with the furthest status (draft < open < uncollectible <
//   paid | void; paid and void are final), then the latest event `created`, then the larger event id;
// - the time of its first failed payment is the earliest payment_failed event seen for it.
// An invoice is unpaid-after-failure while its mirror is open or uncollectible and a failure was seen.
// Grace starts at the earliest such failure (Stripe's event time, not our receive time, so a
// redelivered webhook never extends it); past grace the organization is suspended; once no such
// invoice is left it is active again. A late payment_failed for an invoice already known as paid
// changes nothing. Operator holds suspend regardless and are lifted only by an operator.
import type { BillingSignal, EventStamp, InvoiceSnapshot, StripeEventLike, SubscriptionSnapshot } from './stripe-events';
import { signalFromStripeEvent } from './stripe-events';
import type { PlanId } from './plans';

export const DEFAULT_GRACE_SECONDS = 7 * 24 * 3600;

export type BillingStatus = 'active' | 'past_due' | 'suspended';

export interface InvoiceMirror extends InvoiceSnapshot, EventStamp {
  /** Event time of the first failed payment seen for this invoice. */
  readonly firstFailedAt: number | null;
}

export interface SubscriptionMirror extends SubscriptionSnapshot, EventStamp {}

/** Everything billing knows about one organization; the database stores it as rows. */
export interface BillingAccount {
  readonly organizationId: string;
  readonly stripeCustomerId: string | null;
  readonly invoices: Readonly<Record<string, InvoiceMirror>>;
  readonly subscriptions: Readonly<Record<string, SubscriptionMirror>>;
  readonly hasPaymentMethod: boolean;
  /** Set by an operator (e.g. `custom`); wins over the subscription. */
  readonly operatorPlan: PlanId | null;
  readonly operatorHold: { readonly reason: string; readonly at: number } | null;
}

export function newBillingAccount(organizationId: string, stripeCustomerId: string | null = null): BillingAccount {
  return { organizationId, stripeCustomerId, invoices: {}, subscriptions: {}, hasPaymentMethod: false, operatorPlan: null, operatorHold: null };
}

const INVOICE_RANK: Record<string, number> = { draft: 0, open: 1, uncollectible: 2, paid: 3, void: 3 };
const FINAL_SUBSCRIPTION = new Set(['canceled', 'incomplete_expired']);
/** Subscription statuses under which the organization is on the subscription's plan. */
const PLAN_BEARING = new Set(['active', 'trialing', 'past_due', 'unpaid']);

function stampAfter(a: EventStamp, b: EventStamp): boolean {
  return a.eventCreated !== b.eventCreated ? a.eventCreated > b.eventCreated : a.eventId > b.eventId;
}

function mergeInvoice(existing: InvoiceMirror | undefined, snap: InvoiceSnapshot, stamp: EventStamp, failed: boolean): InvoiceMirror {
  const failedAt = failed ? stamp.eventCreated : null;
  const incoming: InvoiceMirror = { ...snap, ...stamp, firstFailedAt: failedAt };
  if (!existing) return incoming;
  const ra = INVOICE_RANK[incoming.status];
  const rb = INVOICE_RANK[existing.status];
  const winner = ra > rb || (ra === rb && stampAfter(incoming, existing)) ? incoming : existing;
  const a = existing.firstFailedAt;
  const firstFailedAt = a === null ? failedAt : failedAt === null || a < failedAt ? a : failedAt;
  return { ...winner, firstFailedAt };
}

function mergeSubscription(existing: SubscriptionMirror | undefined, snap: SubscriptionSnapshot, stamp: EventStamp): SubscriptionMirror {
  const incoming: SubscriptionMirror = { ...snap, ...stamp };
  if (!existing) return incoming;
  const ra = FINAL_SUBSCRIPTION.has(incoming.status) ? 1 : 0;
  const rb = FINAL_SUBSCRIPTION.has(existing.status) ? 1 : 0;
  const winner = ra > rb || (ra === rb && stampAfter(incoming, existing)) ? incoming : existing;
  return { ...winner, created: existing.created < incoming.created ? existing.created : incoming.created };
}

/** Folds one signal into the account. Commutative and idempotent for invoice and subscription signals. */
export function applySignal(account: BillingAccount, signal: BillingSignal): BillingAccount {
  const stamp: EventStamp = { eventId: signal.eventId, eventCreated: signal.eventCreated };
  switch (signal.kind) {
    case 'invoice':
      return {
        ...account,
        stripeCustomerId: account.stripeCustomerId ?? signal.customerId,
        invoices: { ...account.invoices, [signal.invoice.id]: mergeInvoice(account.invoices[signal.invoice.id], signal.invoice, stamp, signal.paymentFailed) },
      };
    case 'subscription':
      return {
        ...account,
        stripeCustomerId: account.stripeCustomerId ?? signal.customerId,
        subscriptions: {
          ...account.subscriptions,
          [signal.subscription.id]: mergeSubscription(account.subscriptions[signal.subscription.id], signal.subscription, stamp),
        },
      };
    case 'checkout_completed': {
      // Setup and subscription checkouts both leave a payment method on file. The subscription's own
      // events bring its real status; until then a completed checkout counts as an active one.
      let subscriptions = account.subscriptions;
      if (signal.mode === 'subscription' && signal.subscriptionId) {
        const placeholder: SubscriptionSnapshot = {
          id: signal.subscriptionId,
          status: 'active',
          created: signal.eventCreated,
          plan: 'standard',
          currentPeriodStart: null,
          currentPeriodEnd: null,
          cancelAtPeriodEnd: false,
        };
        // Stamped before every real event, the placeholder never replaces a real snapshot.
        const lowest: EventStamp = { eventId: '', eventCreated: 0 };
        subscriptions = { ...subscriptions, [signal.subscriptionId]: mergeSubscription(account.subscriptions[signal.subscriptionId], placeholder, lowest) };
      }
      return {
        ...account,
        stripeCustomerId: account.stripeCustomerId ?? signal.customerId,
        hasPaymentMethod: account.hasPaymentMethod || signal.mode !== 'payment',
        subscriptions,
      };
    }
    case 'ignored':
      return account;
  }
}

/** The subscription that decides the plan: the newest one that is not over, else the newest. */
export function currentSubscription(account: BillingAccount): SubscriptionMirror | null {
  const all = Object.values(account.subscriptions).sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  return all.find((s) => !FINAL_SUBSCRIPTION.has(s.status)) ?? all[0] ?? null;
}

export function planOf(account: BillingAccount): PlanId {
  if (account.operatorPlan) return account.operatorPlan;
  const sub = currentSubscription(account);
  return sub && PLAN_BEARING.has(sub.status) ? sub.plan : 'free';
}

export interface BillingStanding {
  readonly status: BillingStatus;
  readonly reason: 'in_good_standing' | 'payment_failed' | 'grace_expired' | 'operator';
  /** While past due: when the organization will be suspended. */
  readonly graceUntil: number | null;
  /** Open or uncollectible invoices with a failed payment, oldest failure first. */
  readonly unpaidInvoiceIds: readonly string[];
}

export interface DunningConfig {
  readonly graceSeconds: number;
}

export function standingOf(account: BillingAccount, now: number, config: DunningConfig = { graceSeconds: DEFAULT_GRACE_SECONDS }): BillingStanding {
  const unpaid = Object.values(account.invoices)
    .filter((i) => (i.status === 'open' || i.status === 'uncollectible') && i.firstFailedAt !== null)
    .sort((a, b) => (a.firstFailedAt as number) - (b.firstFailedAt as number) || (a.id < b.id ? -1 : 1));
  const unpaidInvoiceIds = unpaid.map((i) => i.id);
  const graceUntil = unpaid.length ? (unpaid[0].firstFailedAt as number) + config.graceSeconds : null;
  if (account.operatorHold) return { status: 'suspended', reason: 'operator', graceUntil: null, unpaidInvoiceIds };
  if (graceUntil === null) return { status: 'active', reason: 'in_good_standing', graceUntil: null, unpaidInvoiceIds };
  if (now < graceUntil) return { status: 'past_due', reason: 'payment_failed', graceUntil, unpaidInvoiceIds };
  return { status: 'suspended', reason: 'grace_expired', graceUntil, unpaidInvoiceIds };
}

/** What the organization looked like when last applied (stored beside it). */
export interface AppliedBillingState {
  readonly status: BillingStatus;
  readonly plan: PlanId;
  readonly hasPaymentMethod: boolean;
}

export type BillingTransition =
  | { readonly type: 'past_due'; readonly graceUntil: number; readonly invoiceIds: readonly string[] }
  /** Withdraw the organization's services from the fleet; refuse new services and backends (402). */
  | { readonly type: 'suspended'; readonly reason: 'grace_expired' | 'operator'; readonly invoiceIds: readonly string[] }
  /** Put the organization's services back into every node's desired state. */
  | { readonly type: 'restored'; readonly from: BillingStatus }
  | { readonly type: 'plan_changed'; readonly from: PlanId; readonly to: PlanId }
  | { readonly type: 'payment_method_added' };

/**
 * The domain transitions between what was applied and what the account implies now. The webhook job
 * and the grace timer both call this; applying the result and storing `applied` is one transaction.
 */
export function reconcile(
  applied: AppliedBillingState,
  account: BillingAccount,
  now: number,
  config: DunningConfig = { graceSeconds: DEFAULT_GRACE_SECONDS },
): { standing: BillingStanding; applied: AppliedBillingState; transitions: BillingTransition[] } {
  const standing = standingOf(account, now, config);
  const plan = planOf(account);
  const transitions: BillingTransition[] = [];
  if (account.hasPaymentMethod && !applied.hasPaymentMethod) transitions.push({ type: 'payment_method_added' });
  if (plan !== applied.plan) transitions.push({ type: 'plan_changed', from: applied.plan, to: plan });
  if (standing.status !== applied.status) {
    if (standing.status === 'active') transitions.push({ type: 'restored', from: applied.status });
    else if (standing.status === 'past_due') transitions.push({ type: 'past_due', graceUntil: standing.graceUntil as number, invoiceIds: standing.unpaidInvoiceIds });
    else transitions.push({ type: 'suspended', reason: standing.reason === 'operator' ? 'operator' : 'grace_expired', invoiceIds: standing.unpaidInvoiceIds });
  }
  return { standing, applied: { status: standing.status, plan, hasPaymentMethod: account.hasPaymentMethod }, transitions };
}

/** A signal about another customer or organization than the account's is a wiring bug: ignore it, say why. */
function ownedSignal(account: BillingAccount, signal: BillingSignal): BillingSignal {
  if (signal.kind === 'ignored') return signal;
  const stamp = { eventId: signal.eventId, eventCreated: signal.eventCreated };
  if (account.stripeCustomerId && signal.customerId && signal.customerId !== account.stripeCustomerId) {
    return { ...stamp, kind: 'ignored', type: signal.kind, reason: `customer ${signal.customerId} is not this organization's (${account.stripeCustomerId})` };
  }
  if (signal.kind === 'checkout_completed' && signal.organizationId && signal.organizationId !== account.organizationId) {
    return { ...stamp, kind: 'ignored', type: signal.kind, reason: `checkout session of organization ${signal.organizationId}` };
  }
  return signal;
}

/** One verified webhook event, start to finish: signal, merged account, transitions. */
export function handleStripeEvent(
  applied: AppliedBillingState,
  account: BillingAccount,
  event: StripeEventLike,
  now: number,
  config: DunningConfig = { graceSeconds: DEFAULT_GRACE_SECONDS },
): { signal: BillingSignal; account: BillingAccount } & ReturnType<typeof reconcile> {
  const signal = ownedSignal(account, signalFromStripeEvent(event));
  const next = applySignal(account, signal);
  return { signal, account: next, ...reconcile(applied, next, now, config) };
}

export function operatorSuspend(account: BillingAccount, reason: string, at: number): BillingAccount {
  return { ...account, operatorHold: { reason, at } };
}

export function operatorUnsuspend(account: BillingAccount): BillingAccount {
  return { ...account, operatorHold: null };
}

export function operatorSetPlan(account: BillingAccount, plan: PlanId | null): BillingAccount {
  return { ...account, operatorPlan: plan };
}

export const INITIAL_APPLIED_STATE: AppliedBillingState = { status: 'active', plan: 'free', hasPaymentMethod: false };
