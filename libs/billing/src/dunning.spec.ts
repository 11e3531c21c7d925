import fc from 'fast-check';
import type Stripe from 'stripe';
import {
  DEFAULT_GRACE_SECONDS,
  INITIAL_APPLIED_STATE,
  applySignal,
  handleStripeEvent,
  newBillingAccount,
  operatorSetPlan,
  operatorSuspend,
  operatorUnsuspend,
  planOf,
  reconcile,
  standingOf,
  type AppliedBillingState,
  type BillingAccount,
  type BillingTransition,
} from './dunning';
import { signalFromStripeEvent, type StripeEventLike } from './stripe-events';

const DAY = 86_400;
const T0 = 1_790_000_000;
const GRACE = { graceSeconds: DEFAULT_GRACE_SECONDS };

function invoiceEvent(type: string, eventId: string, invoiceId: string, status: string, created: number): StripeEventLike {
  return {
    id: eventId,
    type,
    created,
    data: {
      object: {
        object: 'invoice',
        id: invoiceId,
        status,
        created: T0 - DAY,
        currency: 'usd',
        customer: 'cus_1',
        amount_due: 1591,
        amount_paid: status === 'paid' ? 1591 : 0,
        period_start: T0 - 31 * DAY,
        period_end: T0 - DAY,
        hosted_invoice_url: null,
        parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1' } },
      },
    },
  };
}
const failed = (eventId: string, invoiceId: string, created: number) => invoiceEvent('invoice.payment_failed', eventId, invoiceId, 'open', created);
const paid = (eventId: string, invoiceId: string, created: number) => invoiceEvent('invoice.paid', eventId, invoiceId, 'paid', created);

function subscriptionEvent(type: string, eventId: string, created: number, status: string, plan?: string, subId = 'sub_1'): StripeEventLike {
  return {
    id: eventId,
    type,
    created,
    data: {
      object: {
        object: 'subscription',
        id: subId,
        status,
        created: T0 - 40 * DAY,
        customer: { id: 'cus_1', object: 'customer' },
        metadata: plan ? { anyfront_plan: plan } : {},
        cancel_at_period_end: false,
        items: { data: [{ current_period_start: T0 - DAY, current_period_end: T0 + 30 * DAY }] },
      },
    },
  };
}

function checkoutEvent(eventId: string, created: number, mode = 'subscription'): StripeEventLike {
  return {
    id: eventId,
    type: 'checkout.session.completed',
    created,
    data: { object: { object: 'checkout.session', id: 'cs_1', mode, customer: 'cus_1', subscription: mode === 'subscription' ? 'sub_1' : null, client_reference_id: 'org-1', metadata: {} } },
  };
}

/** Runs events through the webhook path, as the job would, and collects every transition. */
function run(events: StripeEventLike[], now: number, start: { account?: BillingAccount; applied?: AppliedBillingState } = {}) {
  let account = start.account ?? newBillingAccount('org-1');
  let applied = start.applied ?? INITIAL_APPLIED_STATE;
  const transitions: BillingTransition[] = [];
  for (const e of events) {
    const r = handleStripeEvent(applied, account, e, now, GRACE);
    account = r.account;
    applied = r.applied;
    transitions.push(...r.transitions);
  }
  return { account, applied, transitions };
}

describe('dunning', () => {
  it('payment failed -> past_due for the grace period -> suspended -> paid -> restored', () => {
    const a = run([failed('evt_1', 'in_1', T0)], T0 + 60);
    expect(a.transitions).toEqual([{ type: 'past_due', graceUntil: T0 + 7 * DAY, invoiceIds: ['in_1'] }]);
    // The grace timer: nothing until the grace period is over, then suspension.
    expect(reconcile(a.applied, a.account, T0 + 7 * DAY - 1, GRACE).transitions).toEqual([]);
    const b = reconcile(a.applied, a.account, T0 + 7 * DAY, GRACE);
    expect(b.transitions).toEqual([{ type: 'suspended', reason: 'grace_expired', invoiceIds: ['in_1'] }]);
    const c = run([paid('evt_2', 'in_1', T0 + 8 * DAY)], T0 + 8 * DAY, { account: a.account, applied: b.applied });
    expect(c.transitions).toEqual([{ type: 'restored', from: 'suspended' }]);
    expect(standingOf(c.account, T0 + 9 * DAY, GRACE).status).toBe('active');
  });

  it('invoice.paid delivered before invoice.payment_failed of the same invoice: never past due', () => {
    const r = run([paid('evt_2', 'in_1', T0 + 3600), failed('evt_1', 'in_1', T0)], T0 + 7200);
    expect(r.transitions).toEqual([]);
    expect(r.account.invoices.in_1.status).toBe('paid');
    expect(r.account.invoices.in_1.firstFailedAt).toBe(T0);
    // Even a failure stamped later than the payment cannot reopen a paid invoice.
    expect(run([paid('evt_2', 'in_1', T0), failed('evt_3', 'in_1', T0 + 10)], T0 + 20).transitions).toEqual([]);
  });

  it('grace runs from the oldest unpaid failure; a redelivered failure does not extend it', () => {
    const r = run([failed('evt_1', 'in_1', T0), failed('evt_2', 'in_2', T0 + 3 * DAY), failed('evt_1', 'in_1', T0), paid('evt_3', 'in_1', T0 + 4 * DAY)], T0 + 4 * DAY);
    const s = standingOf(r.account, T0 + 4 * DAY, GRACE);
    expect(s).toEqual({ status: 'past_due', reason: 'payment_failed', graceUntil: T0 + 10 * DAY, unpaidInvoiceIds: ['in_2'] });
    // A failure webhook that arrives after its grace already ran out suspends at once.
    expect(run([failed('evt_9', 'in_9', T0)], T0 + 8 * DAY).transitions).toEqual([{ type: 'suspended', reason: 'grace_expired', invoiceIds: ['in_9'] }]);
    // A voided invoice is no longer owed.
    expect(standingOf(run([failed('evt_1', 'in_1', T0), invoiceEvent('invoice.voided', 'evt_4', 'in_1', 'void', T0 + 1)], T0).account, T0 + 30 * DAY, GRACE).status).toBe('active');
  });

  it('a webhook replayed ten times has one effect', () => {
    const e = failed('evt_1', 'in_1', T0);
    const r = run(Array.from({ length: 10 }, () => e), T0 + 1);
    expect(r.transitions).toEqual([{ type: 'past_due', graceUntil: T0 + 7 * DAY, invoiceIds: ['in_1'] }]);
    expect(r.account).toEqual(run([e], T0 + 1).account);
  });

  it('operator holds suspend regardless of payments and are lifted only by an operator', () => {
    const held = operatorSuspend(newBillingAccount('org-1'), 'abuse report #12', T0);
    const r1 = reconcile(INITIAL_APPLIED_STATE, held, T0, GRACE);
    expect(r1.transitions).toEqual([{ type: 'suspended', reason: 'operator', invoiceIds: [] }]);
    const r2 = run([paid('evt_1', 'in_1', T0 + 1)], T0 + 2, { account: held, applied: r1.applied });
    expect(r2.transitions).toEqual([]);
    expect(reconcile(r2.applied, operatorUnsuspend(r2.account), T0 + 3, GRACE).transitions).toEqual([{ type: 'restored', from: 'suspended' }]);
  });

  it('checkout, subscription changes and cancellation move the plan; stale subscription events do not', () => {
    const up = run([checkoutEvent('evt_1', T0)], T0);
    expect(up.transitions).toEqual([{ type: 'payment_method_added' }, { type: 'plan_changed', from: 'free', to: 'standard' }]);
    const custom = run([subscriptionEvent('customer.subscription.updated', 'evt_2', T0 + 10, 'active', 'custom')], T0 + 10, up);
    expect(custom.transitions).toEqual([{ type: 'plan_changed', from: 'standard', to: 'custom' }]);
    const gone = run([subscriptionEvent('customer.subscription.deleted', 'evt_3', T0 + 20, 'active', 'custom')], T0 + 20, custom);
    expect(gone.transitions).toEqual([{ type: 'plan_changed', from: 'custom', to: 'free' }]);
    // An update stamped before the deletion, delivered after it, changes nothing.
    expect(run([subscriptionEvent('customer.subscription.updated', 'evt_4', T0 + 15, 'active', 'standard')], T0 + 30, gone).transitions).toEqual([]);
    // A setup-mode checkout adds a card without a subscription; an operator plan wins over Stripe.
    const setup = run([checkoutEvent('evt_5', T0, 'setup')], T0);
    expect(setup.transitions).toEqual([{ type: 'payment_method_added' }]);
    expect(planOf(operatorSetPlan(gone.account, 'custom'))).toBe('custom');
  });

  it('ignores malformed payloads and events it does not handle, changing nothing', () => {
    const broken: StripeEventLike = { id: 'evt_x', type: 'invoice.paid', created: T0, data: { object: { object: 'invoice', id: 'in_1' } } };
    expect(signalFromStripeEvent(broken)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('malformed invoice') });
    expect(signalFromStripeEvent({ id: 'evt_y', type: 'charge.refunded', created: T0, data: { object: {} } })).toMatchObject({ kind: 'ignored', reason: 'event type not handled' });
    const account = newBillingAccount('org-1');
    expect(run([broken], T0, { account }).account).toBe(account);
  });

  it('ignores events about another customer or organization (a wiring bug must not touch this account)', () => {
    const mine = newBillingAccount('org-1', 'cus_1');
    const other = { ...failed('evt_1', 'in_1', T0), data: { object: { ...(failed('evt_1', 'in_1', T0).data.object as object), customer: 'cus_2' } } };
    const r = handleStripeEvent(INITIAL_APPLIED_STATE, mine, other, T0 + 1, GRACE);
    expect(r.signal).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('cus_2') });
    expect([r.account, r.transitions]).toEqual([mine, []]);
    const foreignCheckout = { ...checkoutEvent('evt_2', T0), data: { object: { ...(checkoutEvent('evt_2', T0).data.object as object), client_reference_id: 'org-2' } } };
    expect(handleStripeEvent(INITIAL_APPLIED_STATE, mine, foreignCheckout, T0, GRACE).transitions).toEqual([]);
  });

  it('accepts the SDK event type (compile-time)', () => {
    const fromSdk = (e: Stripe.Event): StripeEventLike => e;
    expect(typeof fromSdk).toBe('function');
  });

  it('the account does not depend on delivery order or duplicates', () => {
    const eventArb = fc.oneof(
      fc.record({ kind: fc.constantFrom('invoice.payment_failed', 'invoice.paid', 'invoice.finalized', 'invoice.voided', 'invoice.marked_uncollectible'), inv: fc.constantFrom('in_1', 'in_2', 'in_3'), t: fc.integer({ min: 0, max: 20 * DAY }) }),
      fc.record({ kind: fc.constantFrom('customer.subscription.updated', 'customer.subscription.deleted'), inv: fc.constantFrom('standard', 'custom'), t: fc.integer({ min: 0, max: 20 * DAY }) }),
      fc.record({ kind: fc.constant('checkout.session.completed'), inv: fc.constant(''), t: fc.integer({ min: 0, max: 20 * DAY }) }),
    );
    const STATUS: Record<string, string> = { 'invoice.payment_failed': 'open', 'invoice.paid': 'paid', 'invoice.finalized': 'open', 'invoice.voided': 'void', 'invoice.marked_uncollectible': 'uncollectible' };
    // The events, then two deliveries of them: each once in another order, and each twice shuffled.
    const scenarioArb = fc.array(eventArb, { minLength: 1, maxLength: 14 }).chain((specs) => {
      const idx = specs.map((_, i) => i);
      return fc.tuple(fc.constant(specs), fc.shuffledSubarray(idx, { minLength: idx.length }), fc.shuffledSubarray([...idx, ...idx], { minLength: 2 * idx.length }));
    });
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 40 * DAY }), ([specs, once, twice], now) => {
        const events = specs.map((s, i) => {
          const id = `evt_${i}`;
          if (s.kind.startsWith('invoice.')) return invoiceEvent(s.kind, id, s.inv, STATUS[s.kind], T0 + s.t);
          if (s.kind.startsWith('customer.')) return subscriptionEvent(s.kind, id, T0 + s.t, 'active', s.inv);
          return checkoutEvent(id, T0 + s.t);
        });
        const fold = (order: number[]) => order.reduce((acc, i) => applySignal(acc, signalFromStripeEvent(events[i])), newBillingAccount('org-1'));
        const reference = fold(events.map((_, i) => i));
        for (const delivered of [fold(once), fold(twice)]) {
          expect(delivered).toEqual(reference);
          expect(standingOf(delivered, T0 + now, GRACE)).toEqual(standingOf(reference, T0 + now, GRACE));
          expect(planOf(delivered)).toBe(planOf(reference));
        }
      }),
      { numRuns: 300 },
    );
  });
});
