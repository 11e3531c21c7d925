// The default price book, seeded once and then edited by operators (README: "Default prices").
import { parsePriceBook, type PriceBook, type PriceBookEntryInput } from './price-book';

export const DEFAULT_PRICE_BOOK_INPUT: readonly PriceBookEntryInput[] = [
  {
    version: 1,
    effectiveFrom: '2026-01-01T00:00:00Z',
    currency: 'usd',
    // $0.0054 per IPv4 address-hour ≈ $3.94 per 730-hour month: between Fly.io's $2/month dedicated
    // anycast IPv4 and AWS Global Accelerator's $0.025/hour for two (≈ $9.13 per address-month).
    // A multiple of 0.09 cents so it divides exactly into Stripe's per-second unit price.
    ipv4AddressHour: '0.54',
    // IPv6 is not scarce: one /48 holds 2^80 addresses.
    ipv6AddressHour: '0',
    // $0.015 per GB, AWS Global Accelerator's data-transfer premium between North America and Europe.
    trafficGb: '1.5',
    // Dearer regions, in the spirit of AWS's premium for Asia-Pacific and South America.
    regionMultipliers: { 'ap-northeast': '2', 'ap-southeast': '2', 'sa-east': '3' },
    // $10 per organization per month: more than the free plan's largest possible month, so a free
    // organization never owes anything (tested), and the first service of a paying one is free.
    freeAllowance: '1000',
    note: 'Default prices (libs/billing/README.md)',
  },
];

export function defaultPriceBook(): PriceBook {
  return parsePriceBook(DEFAULT_PRICE_BOOK_INPUT);
}
