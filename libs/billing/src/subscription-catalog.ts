import { stripeCatalog, type StripeCatalogItem } from './meter-events';
import type { PriceBook } from './price-book';

/** An item of a Stripe subscription: its id and its price's lookup key (null: not one of ours). */
export interface SubscriptionItemRef {
  id: string;
  lookupKey: string | null;
}

/** How a subscription's items change so every hour of its current period bills at the version in force then. */
export interface SubscriptionCatalogChange {
  /** Metered prices of the version in force now that the subscription lacks. */
  add: StripeCatalogItem[];
  /** Items of versions that ended before the period started (no usage of this period can reach their meters). */
  remove: string[];
}

/**
 * Each price-book version meters into its own Stripe meters (af.v<version>.*), so a new version's
 * usage bills only if the subscription has that version's prices. Versions in force at some instant
 * of [periodStart, now] are kept (their hours of this period still bill at their own prices); the
 * version in force now is added; older ones go. Items that are not ours stay untouched.
 */
export function subscriptionCatalogChange(book: PriceBook, items: SubscriptionItemRef[], periodStart: number, now: number): SubscriptionCatalogChange {
  const catalog = stripeCatalog(book);
  const versionOf = new Map(catalog.map((c) => [c.price.lookup_key, c.priceVersion]));
  const live = new Set<number>();
  book.entries.forEach((e, i) => {
    const next = book.entries[i + 1];
    if (e.effectiveFrom <= now && (!next || next.effectiveFrom > periodStart)) live.add(e.version);
  });
  const current = [...live].pop();
  const have = new Set(items.map((i) => i.lookupKey));
  const add = catalog.filter((c) => c.priceVersion === current && !have.has(c.price.lookup_key));
  const remove = items.filter((i) => i.lookupKey !== null && versionOf.has(i.lookupKey) && !live.has(versionOf.get(i.lookupKey)!)).map((i) => i.id);
  return { add, remove };
}
