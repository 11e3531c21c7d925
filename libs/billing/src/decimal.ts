// Exact decimal strings <-> scaled integers. Prices and multipliers arrive as strings ("0.54") and
// never pass through a JavaScript number, so no binary floating point touches them.

const DECIMAL = /^(\d{1,30})(?:\.(\d{1,30}))?$/;

/** A non-negative decimal: value = units / 10^scale. */
export interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Parses a plain non-negative decimal ("12", "0.54"); null for anything else (signs, exponents, spaces). */
export function parseDecimal(text: string): ScaledDecimal | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const fraction = m[2] ?? '';
  return { units: BigInt(m[1] + fraction), scale: fraction.length };
}

export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** value × 10^scale as an exact integer, or null when the decimal has finer places than that. */
export function toScaled(d: ScaledDecimal, scale: number): bigint | null {
  if (d.scale <= scale) return d.units * pow10(scale - d.scale);
  const divisor = pow10(d.scale - scale);
  return d.units % divisor === 0n ? d.units / divisor : null;
}

/** units / 10^scale as a decimal string without trailing zeros ("0.00015", "12", "-1.5"). */
export function formatScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
