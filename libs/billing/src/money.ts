// Money is a bigint of minor units (cents) behind a type brand: a `number` cannot be assigned to
// it, and TypeScript refuses to mix bigint with number in arithmetic, so a float can only enter a
// money path through an explicit conversion — which the lint rule for this lib forbids.
import { formatScaled } from './decimal';

declare const moneyBrand: unique symbol;
declare const rateBrand: unique symbol;

/** An amount in integer minor units of the price book's currency (cents for USD). */
export type Money = bigint & { readonly [moneyBrand]: true };

/**
 * A unit price in picominor units (10^-12 minor units — Stripe's `unit_amount_decimal` resolution)
 * per meter unit (per address-second, per byte).
 */
export type Rate = bigint & { readonly [rateBrand]: true };

/** Picominor units per minor unit. */
export const PICO = 1_000_000_000_000n;

export function money(minor: bigint): Money {
  return minor as Money;
}

export function rate(picominorPerUnit: bigint): Rate {
  if (picominorPerUnit < 0n) throw new RangeError('a rate cannot be negative');
  return picominorPerUnit as Rate;
}

export const ZERO: Money = money(0n);

export function sumMoney(amounts: Iterable<Money>): Money {
  let total = 0n;
  for (const a of amounts) total += a;
  return money(total);
}

/**
 * numerator / denominator rounded to the nearest integer, halves away from zero (2.5 → 3,
 * -2.5 → -3): the rule Stripe applies to a line's quantity × `unit_amount_decimal`.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  if (numerator < 0n) return -divideRoundHalfUp(-numerator, denominator);
  return (2n * numerator + denominator) / (2n * denominator);
}

/** One line's money: the exact value in picominor units and the amount rounded once, half up. */
export function priceQuantity(quantity: bigint, unitRate: Rate): { exactPico: bigint; amount: Money } {
  if (quantity < 0n) throw new RangeError('a quantity cannot be negative');
  const exactPico = quantity * unitRate;
  return { exactPico, amount: money(divideRoundHalfUp(exactPico, PICO)) };
}

/** A rate as Stripe's `unit_amount_decimal`: minor units per meter unit, at most 12 places. */
export function unitAmountDecimal(unitRate: Rate): string {
  return formatScaled(unitRate, 12);
}

/** ISO 4217 currencies with two minor digits that the price book accepts. */
export const TWO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['usd', 'eur', 'gbp', 'chf', 'cad', 'aud', 'nzd', 'sek', 'nok', 'dkk', 'sgd']);

/** "12.34 USD" from 1234 cents (integer formatting only). */
export function formatMoney(amount: Money, currency: string): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const whole = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${cents} ${currency.toUpperCase()}`;
}
