// The Stripe webhook events billing cares about, read into domain signals. The payload has already
// passed `stripe.webhooks.constructEvent` (signature and age); it is still external input, so its
// shape is checked and anything unexpected becomes an `ignored` signal with a reason, never a throw.
import { z } from 'zod';
import { money, type Money } from './money';
import { isPlanId, type PlanId } from './plans';

export const HANDLED_STRIPE_EVENTS = [
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.finalized',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'checkout.session.completed',
] as const;

/** Subscription metadata key naming the Anyfront plan a subscription pays for. */
export const PLAN_METADATA_KEY = 'anyfront_plan';
/** Metadata key carrying the organization id on Stripe objects we create. */
export const ORGANIZATION_METADATA_KEY = 'anyfront_organization_id';

/** Orders snapshots of one object: later `created` wins, ties broken by event id. */
export interface EventStamp {
  readonly eventId: string;
  readonly eventCreated: number;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceSnapshot {
  readonly id: string;
  readonly status: InvoiceStatus;
  readonly created: number;
  readonly currency: string;
  /** Minor units (Stripe sends integers). */
  readonly amountDue: Money;
  readonly amountPaid: Money;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly subscriptionId: string | null;
  readonly hostedInvoiceUrl: string | null;
}

export interface SubscriptionSnapshot {
  readonly id: string;
  readonly status: string;
  readonly created: number;
  readonly plan: PlanId;
  readonly currentPeriodStart: number | null;
  readonly currentPeriodEnd: number | null;
  readonly cancelAtPeriodEnd: boolean;
}

export type BillingSignal =
  | (EventStamp & { readonly kind: 'invoice'; readonly customerId: string; readonly invoice: InvoiceSnapshot; readonly paymentFailed: boolean })
  | (EventStamp & { readonly kind: 'subscription'; readonly customerId: string; readonly subscription: SubscriptionSnapshot })
  | (EventStamp & {
      readonly kind: 'checkout_completed';
      readonly customerId: string | null;
      /** client_reference_id or metadata: the organization that opened the session. */
      readonly organizationId: string | null;
      readonly mode: 'payment' | 'setup' | 'subscription';
      readonly subscriptionId: string | null;
    })
  | (EventStamp & { readonly kind: 'ignored'; readonly type: string; readonly reason: string });

/** The fields of a Stripe event this lib reads; `Stripe.Event` is assignable to it. */
export interface StripeEventLike {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly data: { readonly object: unknown };
}

const id = z.string().min(1).max(255);
const expandable = z.union([id, z.object({ id })]).transform((v) => (typeof v === 'string' ? v : v.id));
const epoch = z.number().int().nonnegative();
const metadata = z.record(z.string(), z.string()).nullish();

const invoiceSchema = z.object({
  object: z.literal('invoice'),
  id,
  status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']),
  created: epoch,
  currency: z.string(),
  customer: expandable,
  amount_due: z.number().int(),
  amount_paid: z.number().int(),
  period_start: epoch,
  period_end: epoch,
  hosted_invoice_url: z.string().nullish(),
  parent: z
    .object({ subscription_details: z.object({ subscription: expandable }).nullish() })
    .nullish(),
});

const subscriptionSchema = z.object({
  object: z.literal('subscription'),
  id,
  status: z.string(),
  created: epoch,
  customer: expandable,
  cancel_at_period_end: z.boolean().optional(),
  metadata,
  items: z
    .object({ data: z.array(z.object({ current_period_start: epoch.optional(), current_period_end: epoch.optional() })) })
    .optional(),
});

const checkoutSchema = z.object({
  object: z.literal('checkout.session'),
  id,
  mode: z.enum(['payment', 'setup', 'subscription']),
  customer: expandable.nullish(),
  subscription: expandable.nullish(),
  client_reference_id: z.string().nullish(),
  metadata,
});

function planFromMetadata(m: Record<string, string> | null | undefined): PlanId {
  const v = m?.[PLAN_METADATA_KEY];
  return v && isPlanId(v) && v !== 'free' ? v : 'standard';
}

/** Reads one verified Stripe event into a billing signal. */
export function signalFromStripeEvent(event: StripeEventLike): BillingSignal {
  const stamp: EventStamp = { eventId: event.id, eventCreated: event.created };
  const ignored = (reason: string): BillingSignal => ({ ...stamp, kind: 'ignored', type: event.type, reason });
  if (!(HANDLED_STRIPE_EVENTS as readonly string[]).includes(event.type)) return ignored('event type not handled');
  const object = event.data?.object;
  if (event.type.startsWith('invoice.')) {
    const r = invoiceSchema.safeParse(object);
    if (!r.success) return ignored(`malformed invoice: ${r.error.issues[0]?.message ?? 'invalid'}`);
    const i = r.data;
    return {
      ...stamp,
      kind: 'invoice',
      customerId: i.customer,
      paymentFailed: event.type === 'invoice.payment_failed',
      invoice: {
        id: i.id,
        status: i.status,
        created: i.created,
        currency: i.currency,
        amountDue: money(BigInt(i.amount_due)),
        amountPaid: money(BigInt(i.amount_paid)),
        periodStart: i.period_start,
        periodEnd: i.period_end,
        subscriptionId: i.parent?.subscription_details?.subscription ?? null,
        hostedInvoiceUrl: i.hosted_invoice_url ?? null,
      },
    };
  }
  if (event.type.startsWith('customer.subscription.')) {
    const r = subscriptionSchema.safeParse(object);
    if (!r.success) return ignored(`malformed subscription: ${r.error.issues[0]?.message ?? 'invalid'}`);
    const s = r.data;
    const item = s.items?.data[0];
    return {
      ...stamp,
      kind: 'subscription',
      customerId: s.customer,
      subscription: {
        id: s.id,
        // A deleted subscription is over whatever status the (possibly stale) object shows.
        status: event.type === 'customer.subscription.deleted' ? 'canceled' : s.status,
        created: s.created,
        plan: planFromMetadata(s.metadata),
        currentPeriodStart: item?.current_period_start ?? null,
        currentPeriodEnd: item?.current_period_end ?? null,
        cancelAtPeriodEnd: s.cancel_at_period_end ?? false,
      },
    };
  }
  const r = checkoutSchema.safeParse(object);
  if (!r.success) return ignored(`malformed checkout session: ${r.error.issues[0]?.message ?? 'invalid'}`);
  const c = r.data;
  return {
    ...stamp,
    kind: 'checkout_completed',
    customerId: c.customer ?? null,
    organizationId: c.client_reference_id ?? c.metadata?.[ORGANIZATION_METADATA_KEY] ?? null,
    mode: c.mode,
    subscriptionId: c.subscription ?? null,
  };
}
