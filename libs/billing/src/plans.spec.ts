import { defaultPriceBook } from './defaults';
import { BillingError } from './errors';
import { PLANS, checkPlanChange, effectiveQuotas, maxMonthlyCharge } from './plans';

describe('plans and quotas', () => {
  it('the free plan can never cost more than the free allowance at the default prices', () => {
    const [entry] = defaultPriceBook().entries;
    const worst = maxMonthlyCharge(PLANS.free.quotas, entry);
    // 2 IPv4 × 744 h × 0.54 = 803.52 → 804; 10 GB at the dearest region (× 3) = 45.
    expect(worst).toBe(849n);
    expect(worst !== null && worst <= entry.freeAllowance).toBe(true);
    expect(maxMonthlyCharge(PLANS.standard.quotas, entry)).toBeNull();
  });

  it('upgrading needs a card; custom is an operator decision', () => {
    expect(checkPlanChange({ from: 'free', to: 'standard', hasPaymentMethod: false, actor: 'owner' })).toEqual({ ok: false, reason: 'payment_method_required' });
    expect(checkPlanChange({ from: 'free', to: 'standard', hasPaymentMethod: true, actor: 'owner' })).toEqual({ ok: true });
    expect(checkPlanChange({ from: 'standard', to: 'free', hasPaymentMethod: true, actor: 'owner' })).toEqual({ ok: true });
    expect(checkPlanChange({ from: 'standard', to: 'custom', hasPaymentMethod: true, actor: 'owner' })).toEqual({ ok: false, reason: 'operator_only' });
    expect(checkPlanChange({ from: 'custom', to: 'free', hasPaymentMethod: true, actor: 'owner' })).toEqual({ ok: false, reason: 'operator_only' });
    expect(checkPlanChange({ from: 'standard', to: 'custom', hasPaymentMethod: true, actor: 'operator' })).toEqual({ ok: true });
    expect(checkPlanChange({ from: 'free', to: 'free', hasPaymentMethod: false, actor: 'owner' })).toEqual({ ok: false, reason: 'unchanged' });
  });

  it('takes quotas from the plan with operator overrides, and refuses nonsense overrides', () => {
    expect(effectiveQuotas('free')).toEqual(PLANS.free.quotas);
    expect(effectiveQuotas('custom', { services: 400, trafficGbPerMonth: null })).toMatchObject({ services: 400, trafficGbPerMonth: null, apiKeys: 25 });
    expect(effectiveQuotas('free', { trafficGbPerMonth: null }).trafficGbPerMonth).toBeNull();
    expect(() => effectiveQuotas('standard', { services: -1 })).toThrow(BillingError);
    expect(() => effectiveQuotas('standard', { backendsPerService: 2.5 })).toThrow(BillingError);
    expect(() => effectiveQuotas('standard', { services: null as unknown as number })).toThrow(BillingError);
  });
});
