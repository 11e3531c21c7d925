import fc from 'fast-check';
import { PICO, divideRoundHalfUp, formatMoney, money, priceQuantity, rate, sumMoney, unitAmountDecimal, type Money } from './money';
import { formatScaled, parseDecimal, toScaled } from './decimal';

describe('money', () => {
  it('rounds a line once, halves away from zero (Stripe: 0.05 × 30 = 1.5 → 2)', () => {
    expect(divideRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divideRoundHalfUp(14n, 10n)).toBe(1n);
    expect(divideRoundHalfUp(25n, 10n)).toBe(3n);
    expect(divideRoundHalfUp(-15n, 10n)).toBe(-2n);
    expect(divideRoundHalfUp(0n, 7n)).toBe(0n);
    // 0.05 cents per unit (5 × 10^10 picominor), 30 units.
    expect(priceQuantity(30n, rate(50_000_000_000n))).toEqual({ exactPico: 1_500_000_000_000n, amount: 2n });
  });

  it('keeps every rounded line within half a minor unit of its exact value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 13n }), (q, r) => {
        const { exactPico, amount } = priceQuantity(q, rate(r));
        const err = amount * PICO - exactPico;
        return 2n * err <= PICO && 2n * err > -PICO;
      }),
    );
  });

  it('writes rates as Stripe unit_amount_decimal strings (at most 12 places)', () => {
    expect(unitAmountDecimal(rate(150_000_000n))).toBe('0.00015');
    expect(unitAmountDecimal(rate(1500n))).toBe('0.0000000015');
    expect(unitAmountDecimal(rate(2n * PICO))).toBe('2');
    expect(unitAmountDecimal(rate(1n))).toBe('0.000000000001');
  });

  it('formats and sums with integers only', () => {
    expect(formatMoney(money(123456n), 'usd')).toBe('1234.56 USD');
    expect(formatMoney(money(-5n), 'eur')).toBe('-0.05 EUR');
    expect(sumMoney([money(1n), money(2n), money(-3n)])).toBe(0n);
  });

  it('parses decimals exactly and refuses anything else', () => {
    expect(parseDecimal('0.54')).toEqual({ units: 54n, scale: 2 });
    for (const bad of ['', '-1', '1e3', ' 1', '1.', '.5', '0x10', '1,5', 'NaN']) expect(parseDecimal(bad)).toBeNull();
    expect(toScaled({ units: 54n, scale: 2 }, 12)).toBe(540_000_000_000n);
    expect(toScaled({ units: 12345n, scale: 4 }, 2)).toBeNull();
    expect(formatScaled(540_000_000_000n, 12)).toBe('0.54');
    expect(formatScaled(7n, 0)).toBe('7');
  });

  it('does not let a number into Money (compile-time)', () => {
    // @ts-expect-error a float is not money
    const bad: Money = 1.5;
    // @ts-expect-error a plain bigint is not money either: it has to go through money()
    const alsoBad: Money = 5n;
    expect([bad, alsoBad]).toHaveLength(2);
  });
});
