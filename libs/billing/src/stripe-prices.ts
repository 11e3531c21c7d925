import Stripe from 'stripe';
import type { StripeCatalogItem } from './meter-events';

/**
 * The Stripe price ids of catalog items, creating what is missing (meter, product, price), each with
 * an idempotency key derived from its meter event name so a retry or a concurrent caller (the API's
 * checkout, the worker's price-book sync) creates it once. The one function of libs/billing that
 * calls Stripe: both apps need the same catalog at Stripe.
 */
export async function ensureCatalogPrices(stripe: Stripe, items: readonly StripeCatalogItem[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (!items.length) return ids;
  const existing = await stripe.prices.list({ lookup_keys: items.map((i) => i.price.lookup_key), limit: 100 });
  for (const p of existing.data) if (p.lookup_key) ids.set(p.lookup_key, p.id);
  let meters: Stripe.Billing.Meter[] | null = null;
  for (const item of items) {
    if (ids.has(item.price.lookup_key)) continue;
    meters ??= (await stripe.billing.meters.list({ limit: 100 })).data;
    const meter = meters.find((m) => m.event_name === item.eventName && m.status === 'active') ?? (await stripe.billing.meters.create(item.meter, { idempotencyKey: `meter:${item.eventName}` }));
    const product = await stripe.products.create({ name: item.price.nickname }, { idempotencyKey: `product:${item.eventName}` });
    const price = await stripe.prices.create(
      { ...item.price, product: product.id, unit_amount_decimal: Stripe.Decimal.from(item.price.unit_amount_decimal), recurring: { ...item.price.recurring, meter: meter.id } },
      { idempotencyKey: `price:${item.eventName}` },
    );
    ids.set(item.price.lookup_key, price.id);
  }
  return ids;
}
