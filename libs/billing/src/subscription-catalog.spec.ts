import { DEFAULT_PRICE_BOOK_INPUT } from './defaults';
import { stripeCatalog } from './meter-events';
import { parsePriceBook } from './price-book';
import { subscriptionCatalogChange } from './subscription-catalog';

const v1 = DEFAULT_PRICE_BOOK_INPUT[0];
const book = parsePriceBook([v1, { ...v1, version: 2, effectiveFrom: '2026-12-15T00:00:00Z' }]);
const t = (iso: string) => Date.parse(iso) / 1000;
const keys = (version: number) => stripeCatalog(book).filter((c) => c.priceVersion === version).map((c) => c.price.lookup_key);
const itemsOf = (version: number) => keys(version).map((k, i) => ({ id: `si_v${version}_${i}`, lookupKey: k }));

describe('subscriptionCatalogChange', () => {
  it('adds the new version\'s prices once it is in force, keeps the old ones for the rest of the period, drops them the next period', () => {
    const dec = t('2026-12-01T00:00:00Z');
    // Before the change: nothing to do.
    expect(subscriptionCatalogChange(book, itemsOf(1), dec, t('2026-12-10T00:00:00Z'))).toEqual({ add: [], remove: [] });
    // After it, mid-period: v2 added, v1 kept (its first 14 days bill at v1 prices).
    const mid = subscriptionCatalogChange(book, itemsOf(1), dec, t('2026-12-15T00:00:01Z'));
    expect(mid.add.map((a) => a.price.lookup_key).sort()).toEqual(keys(2).sort());
    expect(mid.remove).toEqual([]);
    // Next period: v1 no longer in force at any instant of it, so its items go.
    const next = subscriptionCatalogChange(book, [...itemsOf(1), ...itemsOf(2)], t('2027-01-01T00:00:00Z'), t('2027-01-01T00:05:00Z'));
    expect(next).toEqual({ add: [], remove: itemsOf(1).map((i) => i.id) });
  });

  it('leaves items that are not ours alone and adds what a new subscription lacks', () => {
    const foreign = [{ id: 'si_support', lookupKey: 'premium-support' }, { id: 'si_x', lookupKey: null }];
    const r = subscriptionCatalogChange(book, foreign, t('2026-12-01T00:00:00Z'), t('2026-12-02T00:00:00Z'));
    expect(r.remove).toEqual([]);
    expect(r.add.map((a) => a.price.lookup_key).sort()).toEqual(keys(1).sort());
  });
});
