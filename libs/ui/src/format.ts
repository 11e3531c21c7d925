/** 1536 -> "1.5 KB": traffic figures in the portal and the console. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1000)));
  const v = bytes / 1000 ** i;
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i] ?? 'B'}`;
}

/** 12345 -> "12.3k" */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '0';
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** "3 min ago" style relative time for timestamps from the API (ISO strings). */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/**
 * Integer minor units as the API sends them (a decimal string, exact) -> "$3.94". The split into
 * whole and fractional units is done in BigInt so no amount ever passes through a float.
 */
export function formatMoney(minorUnits: string, currency: string, locale = 'en-US'): string {
  const nf = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  const value = BigInt(minorUnits);
  const scale = 10n ** BigInt(digits);
  const abs = value < 0n ? -value : value;
  const decimal = `${value < 0n ? '-' : ''}${abs / scale}${digits > 0 ? `.${(abs % scale).toString().padStart(digits, '0')}` : ''}`;
  // Intl formats a numeric string exactly (no conversion to a double).
  return nf.format(decimal as Intl.StringNumericLiteral);
}

/**
 * The price book states rates in minor units ("0.54 per address-hour" = 0.54 cents); people read
 * them in the currency: "$0.0054 per address-hour". The decimal point is moved in the string, so
 * the rate is shown exactly as stored. Anything else is returned as it came.
 */
export function formatUnitPrice(unitPrice: string, currency: string, locale = 'en-US'): string {
  const m = /^(\d+)(?:\.(\d+))? (per .+)$/.exec(unitPrice);
  if (!m) return unitPrice;
  const [, whole = '0', frac = '', per = ''] = m;
  const code = currency.toUpperCase();
  const digits = new Intl.NumberFormat(locale, { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  const padded = whole.padStart(digits + 1, '0');
  const major = `${padded.slice(0, padded.length - digits)}.${padded.slice(padded.length - digits)}${frac}`;
  const shown = new Intl.NumberFormat(locale, { style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: 20 });
  return `${shown.format(major as Intl.StringNumericLiteral)} ${per}`;
}
