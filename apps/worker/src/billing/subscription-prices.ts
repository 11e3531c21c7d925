import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { ensureCatalogPrices, entryAt, subscriptionCatalogChange } from '@anyfront/billing';
import { BillingAccountsRepository, BillingRepository } from '@anyfront/db';

export interface SubscriptionPriceSync {
  checked: number;
  /** Subscriptions whose items changed: id → lookup keys added and item ids removed. */
  changed: Array<{ subscription: string; added: string[]; removed: string[] }>;
}

/**
 * Keeps every live subscription on the price book: once a new version is in force its metered
 * prices are added (its hours meter into af.v<new>.*, which bill only through those prices); the
 * previous version's stay until the period that no longer contains any of its hours. Runs before
 * each meter export, so a new version's first events already have a price. No proration (metered
 * prices bill usage only). The idempotency key names the change, so a retry replays it. `settled`
 * (kept by the caller) skips subscriptions already checked for this version and period.
 */
export async function syncSubscriptionPrices(ds: DataSource, stripe: Stripe, now: number, settled = new Set<string>()): Promise<SubscriptionPriceSync> {
  const out: SubscriptionPriceSync = { checked: 0, changed: [] };
  const subscriptions = await new BillingAccountsRepository(ds).liveSubscriptions();
  if (!subscriptions.length) return out;
  const book = await new BillingRepository(ds).priceBook();
  const inForce = entryAt(book, now)?.version ?? 0;
  for (const { id, current_period_start: period } of subscriptions) {
    // One Stripe read per subscription, version in force and billing period (per process), not per export run.
    const key = `${id}:${inForce}:${period ?? '-'}`;
    if (settled.has(key)) continue;
    const sub = await stripe.subscriptions.retrieve(id);
    out.checked++;
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') continue;
    const items = sub.items.data.map((i) => ({ id: i.id, lookupKey: i.price.lookup_key ?? null }));
    const periodStart = Math.min(...sub.items.data.map((i) => i.current_period_start));
    const change = subscriptionCatalogChange(book, items, Number.isFinite(periodStart) ? periodStart : sub.start_date, now);
    if (!change.add.length && !change.remove.length) {
      settled.add(key);
      continue;
    }
    const prices = await ensureCatalogPrices(stripe, change.add);
    const added = change.add.map((a) => a.price.lookup_key);
    await stripe.subscriptions.update(
      id,
      { items: [...change.remove.map((itemId) => ({ id: itemId, deleted: true })), ...added.map((key) => ({ price: prices.get(key)! }))], proration_behavior: 'none' },
      { idempotencyKey: `subscription-prices:${id}:+${added.join(',')}:-${change.remove.join(',')}` },
    );
    out.changed.push({ subscription: id, added, removed: change.remove });
    settled.add(key);
  }
  return out;
}
