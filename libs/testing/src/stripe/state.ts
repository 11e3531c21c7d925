// The in-memory Stripe behind StripeTestServer: only the objects and endpoints the billing flow uses,
// with the response shapes of API version 2026 (invoice `parent`, item-level periods, `pricing`).
// Money here is computed independently of libs/billing (bigint quantity × decimal unit price,
// rounded half up once per line, as Stripe does), so a test can compare the two.
import { StripeApiError, invalid, missingParam, noSuch } from './errors';

type Json = Record<string, unknown>;
export type Params = Record<string, unknown>;

const DAY = 86_400;
/** Stripe accepts meter events up to 35 days old and 5 minutes ahead. */
const METER_EVENT_MAX_AGE = 35 * DAY;
const METER_EVENT_MAX_AHEAD = 300;

// ---- parameter readers (the SDK sends everything form-encoded, so every leaf is a string) ----

function str(p: Params, name: string, required: true): string;
function str(p: Params, name: string, required?: false): string | undefined;
function str(p: Params, name: string, required = false): string | undefined {
  const v = p[name];
  if (v === undefined || v === '') {
    if (required) throw missingParam(name);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`Invalid string: ${name}`, name);
  return v;
}

function int(p: Params, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(v)) throw invalid(`Invalid integer: ${v}`, name);
  return parseInt(v, 10);
}

function bool(p: Params, name: string): boolean | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid boolean: ${v}`, name);
  return v === 'true';
}

function obj(p: Params, name: string): Params | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`Invalid object: ${name}`, name);
  return v as Params;
}

/** `items[0][price]=...` arrives as an array (or, past qs's array limit, an object keyed by index). */
function list(p: Params, name: string): Params[] | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  const items = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.entries(v).sort(([a], [b]) => parseInt(a, 10) - parseInt(b, 10)).map(([, x]) => x) : null;
  if (!items || items.some((i) => typeof i !== 'object' || i === null)) throw invalid(`Invalid array: ${name}`, name);
  return items as Params[];
}

function strings(p: Params, name: string): string[] | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  const items = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : [v];
  if (items.some((i) => typeof i !== 'string')) throw invalid(`Invalid array: ${name}`, name);
  return items as string[];
}

function metadata(p: Params, name = 'metadata'): Record<string, string> {
  const m = obj(p, name) ?? {};
  for (const [k, v] of Object.entries(m)) if (typeof v !== 'string') throw invalid(`Invalid metadata value for ${k}`, `${name}[${k}]`);
  return m as Record<string, string>;
}

// ---- exact decimal arithmetic for unit_amount_decimal ----

const DECIMAL = /^(\d{1,20})(?:\.(\d{1,12}))?$/;

function parseUnitAmount(text: string, param: string): { units: bigint; scale: number } {
  const m = DECIMAL.exec(text);
  if (!m) throw invalid(`Invalid decimal: ${text} (at most 12 decimal places)`, param);
  const fraction = m[2] ?? '';
  return { units: BigInt(m[1] + fraction), scale: fraction.length };
}

/** quantity × unit price, rounded half up to a whole minor unit (Stripe rounds once per line). */
function lineAmount(quantity: bigint, unitAmountDecimal: string): bigint {
  const { units, scale } = parseUnitAmount(unitAmountDecimal, 'unit_amount_decimal');
  const d = 10n ** BigInt(scale);
  return (2n * quantity * units + d) / (2n * d);
}

function toJsonNumber(v: bigint): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new StripeApiError(500, 'api_error', 'amount out of range');
  return n;
}

/** Next instant after `t` on the anchor (day of month clamped to the month's length, UTC). */
function nextAnchor(t: number, a: { day: number; hour: number; minute: number; second: number }): number {
  const d = new Date(t * 1000);
  for (let k = 0; k < 14; k++) {
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + k;
    const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    const c = Date.UTC(y, m, Math.min(a.day, last), a.hour, a.minute, a.second) / 1000;
    if (c > t) return c;
  }
  throw new Error('unreachable');
}

function addMonth(t: number): number {
  const d = new Date(t * 1000);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 0)).getUTCDate();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

interface MeterEventRecord {
  created: number;
  event_name: string;
  identifier: string;
  timestamp: number;
  payload: Record<string, string>;
  value: bigint;
}

interface SubscriptionInternal {
  object: Json;
  anchor: { day: number; hour: number; minute: number; second: number } | null;
}

export interface EmitFn {
  (type: string, object: Json, previousAttributes?: Json): void;
}

export interface StateOptions {
  now: () => number;
  baseUrl: () => string;
  emit: EmitFn;
  /** How long a meter event identifier is remembered (Stripe: "at least 24 hours"). */
  identifierWindowSeconds: number;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handler: (params: Params, match: RegExpExecArray) => Json;
}

export class StripeState {
  readonly customers = new Map<string, Json>();
  readonly products = new Map<string, Json>();
  readonly prices = new Map<string, Json>();
  readonly coupons = new Map<string, Json>();
  readonly meters = new Map<string, Json>();
  readonly meterEvents: MeterEventRecord[] = [];
  readonly subscriptions = new Map<string, SubscriptionInternal>();
  readonly invoices = new Map<string, Json>();
  readonly checkoutSessions = new Map<string, Json>();
  readonly portalSessions = new Map<string, Json>();
  readonly events = new Map<string, Json>();
  private readonly identifiers = new Map<string, number>();
  private seq = 0;
  /** Insertion order, for stable newest-first lists. */
  private readonly order = new Map<string, number>();

  constructor(private readonly o: StateOptions) {}

  newId(prefix: string): string {
    const n = ++this.seq;
    const id = `${prefix}_test${n.toString(36).padStart(10, '0')}`;
    this.order.set(id, n);
    return id;
  }

  readonly routes: Route[] = [
    { method: 'POST', pattern: /^\/v1\/customers$/, handler: (p) => this.createCustomer(p) },
    { method: 'GET', pattern: /^\/v1\/customers\/([^/]+)$/, handler: (_p, m) => this.get(this.customers, 'customer', m[1]) },
    { method: 'POST', pattern: /^\/v1\/products$/, handler: (p) => this.createProduct(p) },
    { method: 'POST', pattern: /^\/v1\/prices$/, handler: (p) => this.createPrice(p) },
    { method: 'GET', pattern: /^\/v1\/prices$/, handler: (p) => this.listPrices(p) },
    { method: 'GET', pattern: /^\/v1\/prices\/([^/]+)$/, handler: (_p, m) => this.get(this.prices, 'price', m[1]) },
    { method: 'POST', pattern: /^\/v1\/coupons$/, handler: (p) => this.createCoupon(p) },
    { method: 'POST', pattern: /^\/v1\/billing\/meters$/, handler: (p) => this.createMeter(p) },
    { method: 'GET', pattern: /^\/v1\/billing\/meters$/, handler: (p) => this.listMeters(p) },
    { method: 'GET', pattern: /^\/v1\/billing\/meters\/([^/]+)$/, handler: (_p, m) => this.get(this.meters, 'billing.meter', m[1]) },
    { method: 'POST', pattern: /^\/v1\/billing\/meter_events$/, handler: (p) => this.createMeterEvent(p) },
    { method: 'POST', pattern: /^\/v1\/subscriptions$/, handler: (p) => this.createSubscription(p) },
    { method: 'GET', pattern: /^\/v1\/subscriptions\/([^/]+)$/, handler: (_p, m) => this.subscription(m[1]).object },
    { method: 'POST', pattern: /^\/v1\/subscriptions\/([^/]+)$/, handler: (p, m) => this.updateSubscription(m[1], p) },
    { method: 'DELETE', pattern: /^\/v1\/subscriptions\/([^/]+)$/, handler: (_p, m) => this.cancelSubscription(m[1]) },
    { method: 'POST', pattern: /^\/v1\/invoices\/create_preview$/, handler: (p) => this.previewInvoice(p) },
    { method: 'GET', pattern: /^\/v1\/invoices$/, handler: (p) => this.listInvoices(p) },
    { method: 'GET', pattern: /^\/v1\/invoices\/([^/]+)$/, handler: (_p, m) => this.get(this.invoices, 'invoice', m[1]) },
    { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, handler: (p) => this.createCheckoutSession(p) },
    { method: 'GET', pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/, handler: (_p, m) => this.get(this.checkoutSessions, 'checkout.session', m[1]) },
    { method: 'POST', pattern: /^\/v1\/billing_portal\/sessions$/, handler: (p) => this.createPortalSession(p) },
    { method: 'GET', pattern: /^\/v1\/events\/([^/]+)$/, handler: (_p, m) => this.get(this.events, 'event', m[1]) },
  ];

  private get(map: Map<string, Json>, kind: string, id: string): Json {
    const v = map.get(decodeURIComponent(id));
    if (!v) throw noSuch(kind, decodeURIComponent(id));
    return v;
  }

  /** Newest first, `limit` (1-100, default 10) and `starting_after`, like every Stripe list. */
  private page(items: Json[], p: Params, url: string): Json {
    const limit = int(p, 'limit') ?? 10;
    if (limit < 1 || limit > 100) throw invalid('This value must be between 1 and 100.', 'limit');
    const sorted = [...items].sort((a, b) => (this.order.get(b.id as string) ?? 0) - (this.order.get(a.id as string) ?? 0));
    const after = str(p, 'starting_after');
    let start = 0;
    if (after) {
      const i = sorted.findIndex((x) => x.id === after);
      if (i < 0) throw invalid(`No such object: '${after}'`, 'starting_after', 'resource_missing');
      start = i + 1;
    }
    const data = sorted.slice(start, start + limit);
    return { object: 'list', data, has_more: start + limit < sorted.length, url };
  }

  // ---- customers, products, prices, coupons ----

  private createCustomer(p: Params): Json {
    const id = this.newId('cus');
    const c: Json = {
      id,
      object: 'customer',
      created: this.o.now(),
      email: str(p, 'email') ?? null,
      name: str(p, 'name') ?? null,
      description: str(p, 'description') ?? null,
      metadata: metadata(p),
      balance: 0,
      currency: null,
      delinquent: false,
      invoice_settings: { default_payment_method: null, custom_fields: null, footer: null, rendering_options: null },
      livemode: false,
    };
    this.customers.set(id, c);
    return c;
  }

  private customer(id: string, param = 'customer'): Json {
    const c = this.customers.get(id);
    if (!c) throw invalid(`No such customer: '${id}'`, param, 'resource_missing');
    return c;
  }

  private createProduct(p: Params): Json {
    const id = str(p, 'id') ?? this.newId('prod');
    if (this.products.has(id)) throw invalid(`Product already exists.`, 'id', 'resource_already_exists');
    this.order.set(id, this.order.get(id) ?? ++this.seq);
    const product: Json = { id, object: 'product', active: true, created: this.o.now(), name: str(p, 'name', true), description: str(p, 'description') ?? null, metadata: metadata(p), livemode: false, type: 'service' };
    this.products.set(id, product);
    return product;
  }

  private createPrice(p: Params): Json {
    const currency = str(p, 'currency', true).toLowerCase();
    let productId = str(p, 'product');
    const productData = obj(p, 'product_data');
    if (!productId && productData) productId = this.createProduct(productData).id as string;
    if (!productId) throw missingParam('product');
    if (!this.products.has(productId)) throw invalid(`No such product: '${productId}'`, 'product', 'resource_missing');
    const unitAmount = int(p, 'unit_amount');
    const unitAmountDecimal = str(p, 'unit_amount_decimal');
    if (unitAmount === undefined && unitAmountDecimal === undefined) throw missingParam('unit_amount');
    const decimal = unitAmountDecimal ?? String(unitAmount);
    const parsed = parseUnitAmount(decimal, 'unit_amount_decimal');
    const recurring = obj(p, 'recurring');
    let recurringOut: Json | null = null;
    if (recurring) {
      const interval = str(recurring, 'interval', true);
      if (!['day', 'week', 'month', 'year'].includes(interval)) throw invalid(`Invalid recurring[interval]: ${interval}`, 'recurring[interval]');
      const usageType = str(recurring, 'usage_type') ?? 'licensed';
      const meter = str(recurring, 'meter');
      if (usageType === 'metered' && !meter) throw invalid('Metered prices must be backed by a meter: recurring[meter] is required.', 'recurring[meter]');
      if (meter && !this.meters.has(meter)) throw invalid(`No such billing meter: '${meter}'`, 'recurring[meter]', 'resource_missing');
      recurringOut = { interval, interval_count: 1, meter: meter ?? null, usage_type: usageType, trial_period_days: null };
    }
    const lookupKey = str(p, 'lookup_key') ?? null;
    if (lookupKey && [...this.prices.values()].some((x) => x.lookup_key === lookupKey && x.active)) {
      throw invalid(`A price (\`${[...this.prices.values()].find((x) => x.lookup_key === lookupKey)?.id}\`) already uses the lookup key \`${lookupKey}\`.`, 'lookup_key');
    }
    const id = this.newId('price');
    const price: Json = {
      id,
      object: 'price',
      active: true,
      billing_scheme: str(p, 'billing_scheme') ?? 'per_unit',
      created: this.o.now(),
      currency,
      livemode: false,
      lookup_key: lookupKey,
      metadata: metadata(p),
      nickname: str(p, 'nickname') ?? null,
      product: productId,
      recurring: recurringOut,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: recurringOut ? 'recurring' : 'one_time',
      unit_amount: parsed.scale === 0 || parsed.units % 10n ** BigInt(parsed.scale) === 0n ? toJsonNumber(parsed.units / 10n ** BigInt(parsed.scale)) : null,
      unit_amount_decimal: decimal,
    };
    this.prices.set(id, price);
    return price;
  }

  private listPrices(p: Params): Json {
    const keys = strings(p, 'lookup_keys');
    const active = bool(p, 'active');
    const items = [...this.prices.values()].filter((x) => (!keys || keys.includes(x.lookup_key as string)) && (active === undefined || x.active === active));
    return this.page(items, p, '/v1/prices');
  }

  private price(id: string, param: string): Json {
    const price = this.prices.get(id);
    if (!price) throw invalid(`No such price: '${id}'`, param, 'resource_missing');
    return price;
  }

  private createCoupon(p: Params): Json {
    const id = str(p, 'id') ?? this.newId('coupon');
    if (this.coupons.has(id)) throw invalid('Coupon already exists.', 'id', 'resource_already_exists');
    const amountOff = int(p, 'amount_off') ?? null;
    const percentOff = str(p, 'percent_off') ?? null;
    if ((amountOff === null) === (percentOff === null)) throw invalid('Exactly one of amount_off or percent_off is required.', 'amount_off');
    if (amountOff !== null && !str(p, 'currency')) throw missingParam('currency');
    const duration = str(p, 'duration') ?? 'once';
    if (!['once', 'repeating', 'forever'].includes(duration)) throw invalid(`Invalid duration: ${duration}`, 'duration');
    this.order.set(id, this.order.get(id) ?? ++this.seq);
    const coupon: Json = {
      id,
      object: 'coupon',
      amount_off: amountOff,
      percent_off: percentOff === null ? null : parseInt(percentOff, 10),
      currency: str(p, 'currency') ?? null,
      duration,
      name: str(p, 'name') ?? null,
      created: this.o.now(),
      metadata: metadata(p),
      livemode: false,
      valid: true,
    };
    this.coupons.set(id, coupon);
    return coupon;
  }

  // ---- meters and meter events ----

  private createMeter(p: Params): Json {
    const eventName = str(p, 'event_name', true);
    if (eventName.length > 100) throw invalid('event_name is longer than 100 characters.', 'event_name');
    const aggregation = obj(p, 'default_aggregation');
    if (!aggregation) throw missingParam('default_aggregation');
    const formula = str(aggregation, 'formula', true);
    if (!['sum', 'count', 'last'].includes(formula)) throw invalid(`Invalid default_aggregation[formula]: ${formula}`, 'default_aggregation[formula]');
    if ([...this.meters.values()].some((m) => m.event_name === eventName && m.status === 'active')) {
      throw invalid(`An active meter with event_name \`${eventName}\` already exists.`, 'event_name');
    }
    const mapping = obj(p, 'customer_mapping') ?? {};
    const value = obj(p, 'value_settings') ?? {};
    const id = this.newId('mtr');
    const now = this.o.now();
    const meter: Json = {
      id,
      object: 'billing.meter',
      created: now,
      updated: now,
      display_name: str(p, 'display_name', true),
      event_name: eventName,
      event_time_window: str(p, 'event_time_window') ?? null,
      status: 'active',
      status_transitions: { deactivated_at: null },
      default_aggregation: { formula },
      customer_mapping: { event_payload_key: str(mapping, 'event_payload_key') ?? 'stripe_customer_id', type: str(mapping, 'type') ?? 'by_id' },
      value_settings: { event_payload_key: str(value, 'event_payload_key') ?? 'value' },
      livemode: false,
    };
    this.meters.set(id, meter);
    return meter;
  }

  private listMeters(p: Params): Json {
    const status = str(p, 'status');
    return this.page([...this.meters.values()].filter((m) => !status || m.status === status), p, '/v1/billing/meters');
  }

  private createMeterEvent(p: Params): Json {
    const eventName = str(p, 'event_name', true);
    const payload = obj(p, 'payload');
    if (!payload) throw missingParam('payload');
    const meter = [...this.meters.values()].find((m) => m.event_name === eventName && m.status === 'active');
    if (!meter) throw invalid(`No active meter was found for event_name \`${eventName}\`.`, 'event_name');
    const customerKey = (meter.customer_mapping as Json).event_payload_key as string;
    const valueKey = (meter.value_settings as Json).event_payload_key as string;
    const customerId = str(payload, customerKey);
    if (!customerId) throw invalid(`Missing the customer mapping key \`${customerKey}\` in payload.`, `payload[${customerKey}]`);
    this.customer(customerId, `payload[${customerKey}]`);
    const rawValue = str(payload, valueKey);
    if (rawValue === undefined) throw invalid(`Missing the value key \`${valueKey}\` in payload.`, `payload[${valueKey}]`);
    // Stripe takes decimals too; the billing flow only sends whole numbers, and so does this server.
    if (!/^\d{1,15}$/.test(rawValue)) throw invalid(`The value in the event payload must be a whole number of at most 15 digits. Received ${rawValue}.`, `payload[${valueKey}]`);
    const now = this.o.now();
    const timestamp = int(p, 'timestamp') ?? now;
    if (timestamp < now - METER_EVENT_MAX_AGE || timestamp > now + METER_EVENT_MAX_AHEAD) {
      throw invalid('Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.', 'timestamp');
    }
    const identifier = str(p, 'identifier') ?? this.newId('mevt');
    if (identifier.length > 100) throw invalid('identifier is longer than 100 characters.', 'identifier');
    for (const [id, at] of this.identifiers) if (at <= now - this.o.identifierWindowSeconds) this.identifiers.delete(id);
    if (this.identifiers.has(identifier)) {
      throw new StripeApiError(400, 'invalid_request_error', `An event already exists with identifier ${identifier}.`, { param: 'identifier' }, { 'Stripe-Should-Retry': 'false' });
    }
    this.identifiers.set(identifier, now);
    const record: MeterEventRecord = { created: now, event_name: eventName, identifier, timestamp, payload: payload as Record<string, string>, value: BigInt(rawValue) };
    this.meterEvents.push(record);
    return { object: 'billing.meter_event', created: now, event_name: eventName, identifier, livemode: false, payload, timestamp };
  }

  /** Sum of a meter's events for one customer with timestamp in [from, to). */
  meterTotal(meterId: string, customerId: string, from: number, to: number): bigint {
    const meter = this.meters.get(meterId);
    if (!meter) return 0n;
    const key = (meter.customer_mapping as Json).event_payload_key as string;
    let total = 0n;
    for (const e of this.meterEvents) {
      if (e.event_name === meter.event_name && e.payload[key] === customerId && e.timestamp >= from && e.timestamp < to) total += e.value;
    }
    return total;
  }

  // ---- subscriptions ----

  subscription(id: string): SubscriptionInternal {
    const s = this.subscriptions.get(decodeURIComponent(id));
    if (!s) throw noSuch('subscription', decodeURIComponent(id));
    return s;
  }

  private subscriptionItem(subscriptionId: string, item: Params, index: number, start: number, end: number): Json {
    const priceId = str(item, 'price');
    if (!priceId) throw missingParam(`items[${index}][price]`);
    const price = this.price(priceId, `items[${index}][price]`);
    const metered = (price.recurring as Json | null)?.usage_type === 'metered';
    if (!price.recurring) throw invalid(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, `items[${index}][price]`);
    const quantity = int(item, 'quantity');
    if (metered && quantity !== undefined) throw invalid('Quantity should not be specified where usage_type is `metered`. Remove quantity from `items[' + index + ']`.', `items[${index}][quantity]`);
    return {
      id: this.newId('si'),
      object: 'subscription_item',
      created: this.o.now(),
      current_period_start: start,
      current_period_end: end,
      metadata: metadata(item),
      price,
      ...(metered ? {} : { quantity: quantity ?? 1 }),
      subscription: subscriptionId,
    };
  }

  private discountsFrom(p: Params, subscriptionId: string): Json[] {
    return (list(p, 'discounts') ?? []).map((d, i) => {
      const couponId = str(d, 'coupon', true);
      const coupon = this.coupons.get(couponId);
      if (!coupon) throw invalid(`No such coupon: '${couponId}'`, `discounts[${i}][coupon]`, 'resource_missing');
      return { id: this.newId('di'), object: 'discount', coupon, start: this.o.now(), end: null, subscription: subscriptionId, customer: null };
    });
  }

  createSubscriptionFor(customerId: string, p: Params): Json {
    this.customer(customerId);
    const items = list(p, 'items');
    if (!items?.length) throw missingParam('items');
    const now = this.o.now();
    const start = int(p, 'backdate_start_date') ?? now;
    if (start > now) throw invalid('backdate_start_date must be in the past.', 'backdate_start_date');
    const anchorConfig = obj(p, 'billing_cycle_anchor_config');
    const anchor = anchorConfig
      ? { day: int(anchorConfig, 'day_of_month') ?? 1, hour: int(anchorConfig, 'hour') ?? 0, minute: int(anchorConfig, 'minute') ?? 0, second: int(anchorConfig, 'second') ?? 0 }
      : null;
    if (anchor && (anchor.day < 1 || anchor.day > 31)) throw invalid('day_of_month must be between 1 and 31.', 'billing_cycle_anchor_config[day_of_month]');
    const end = anchor ? nextAnchor(start, anchor) : addMonth(start);
    const id = this.newId('sub');
    const built = items.map((it, i) => this.subscriptionItem(id, it, i, start, end));
    const currencies = new Set(built.map((i) => (i.price as Json).currency));
    if (currencies.size > 1) throw invalid('All prices on a subscription must have the same currency.', 'items');
    const sub: Json = {
      id,
      object: 'subscription',
      billing_cycle_anchor: anchor ? end : start,
      billing_cycle_anchor_config: anchor ? { day_of_month: anchor.day, hour: anchor.hour, minute: anchor.minute, second: anchor.second, month: null } : null,
      cancel_at_period_end: bool(p, 'cancel_at_period_end') ?? false,
      canceled_at: null,
      collection_method: str(p, 'collection_method') ?? 'charge_automatically',
      created: now,
      currency: [...currencies][0],
      customer: customerId,
      default_payment_method: str(p, 'default_payment_method') ?? null,
      discounts: [] as Json[],
      ended_at: null,
      items: { object: 'list', data: built, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
      latest_invoice: null,
      livemode: false,
      metadata: metadata(p),
      start_date: start,
      status: 'active',
    };
    sub.discounts = this.discountsFrom(p, id);
    this.subscriptions.set(id, { object: sub, anchor });
    this.o.emit('customer.subscription.created', sub);
    return sub;
  }

  private createSubscription(p: Params): Json {
    return this.createSubscriptionFor(str(p, 'customer', true), p);
  }

  private updateSubscription(id: string, p: Params): Json {
    const s = this.subscription(id);
    const sub = s.object;
    if (sub.status === 'canceled') throw invalid('A canceled subscription can only update its cancellation_details and metadata.', 'subscription');
    const previous: Json = {};
    const items = (sub.items as Json).data as Json[];
    const changes = list(p, 'items');
    if (changes) {
      previous.items = structuredClone(sub.items);
      const first = items[0];
      changes.forEach((c, i) => {
        const itemId = str(c, 'id');
        if (itemId) {
          const idx = items.findIndex((x) => x.id === itemId);
          if (idx < 0) throw invalid(`No such subscription item: '${itemId}'`, `items[${i}][id]`, 'resource_missing');
          if (bool(c, 'deleted')) items.splice(idx, 1);
          else if (str(c, 'price')) items[idx] = { ...items[idx], price: this.price(str(c, 'price', true), `items[${i}][price]`) };
        } else {
          items.push(this.subscriptionItem(sub.id as string, c, i, first.current_period_start as number, first.current_period_end as number));
        }
      });
      if (!items.length) throw invalid('A subscription needs at least one item.', 'items');
    }
    const meta = obj(p, 'metadata');
    if (meta) {
      previous.metadata = sub.metadata;
      sub.metadata = { ...(sub.metadata as Json), ...metadata(p) };
    }
    const cancelAtEnd = bool(p, 'cancel_at_period_end');
    if (cancelAtEnd !== undefined) {
      previous.cancel_at_period_end = sub.cancel_at_period_end;
      sub.cancel_at_period_end = cancelAtEnd;
    }
    if (p.discounts !== undefined) {
      previous.discounts = sub.discounts;
      sub.discounts = p.discounts === '' ? [] : this.discountsFrom(p, sub.id as string);
    }
    const pm = str(p, 'default_payment_method');
    if (pm) sub.default_payment_method = pm;
    this.o.emit('customer.subscription.updated', sub, previous);
    return sub;
  }

  private cancelSubscription(id: string): Json {
    const sub = this.subscription(id).object;
    if (sub.status === 'canceled') throw invalid(`No such subscription: '${id}'`, 'id', 'resource_missing');
    const now = this.o.now();
    Object.assign(sub, { status: 'canceled', canceled_at: now, ended_at: now });
    this.o.emit('customer.subscription.deleted', sub);
    return sub;
  }

  // ---- invoices ----

  /** What a subscription owes for [from, to): one line per item, rounded once, then discounts. */
  private computeInvoice(sub: Json, from: number, to: number): Json {
    const lines = ((sub.items as Json).data as Json[]).map((item) => {
      const price = item.price as Json;
      const recurring = price.recurring as Json;
      const quantity = recurring.usage_type === 'metered' ? this.meterTotal(recurring.meter as string, sub.customer as string, from, to) : BigInt(item.quantity as number);
      const amount = lineAmount(quantity, price.unit_amount_decimal as string);
      const product = this.products.get(price.product as string);
      return {
        id: this.newId('il'),
        object: 'line_item',
        amount: toJsonNumber(amount),
        currency: price.currency,
        description: `${quantity} × ${product?.name ?? price.product} (at ${price.unit_amount_decimal} / unit)`,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        livemode: false,
        metadata: {},
        parent: {
          type: 'subscription_item_details',
          subscription_item_details: { subscription: sub.id, subscription_item: item.id, invoice_item: null, proration: false, proration_details: { credited_items: null } },
          invoice_item_details: null,
        },
        period: { start: from, end: to },
        pretax_credit_amounts: [],
        pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: price.unit_amount_decimal },
        quantity: quantity <= BigInt(Number.MAX_SAFE_INTEGER) ? toJsonNumber(quantity) : null,
        quantity_decimal: quantity.toString(),
        subtotal: toJsonNumber(amount),
        taxes: [],
      };
    });
    const subtotal = lines.reduce((s, l) => s + BigInt(l.amount), 0n);
    let discount = 0n;
    const discountAmounts: Json[] = [];
    for (const d of sub.discounts as Json[]) {
      const c = d.coupon as Json;
      const left = subtotal - discount;
      const off = c.amount_off !== null ? BigInt(c.amount_off as number) : (left * BigInt(c.percent_off as number) + 50n) / 100n;
      const applied = off < left ? off : left;
      discount += applied;
      discountAmounts.push({ amount: toJsonNumber(applied), discount: d.id });
    }
    const total = subtotal - discount;
    return {
      object: 'invoice',
      currency: sub.currency,
      customer: sub.customer,
      lines: { object: 'list', data: lines, has_more: false, url: '/v1/invoices/lines' },
      period_start: from,
      period_end: to,
      subtotal: toJsonNumber(subtotal),
      total: toJsonNumber(total),
      total_discount_amounts: discountAmounts,
      amount_due: toJsonNumber(total),
      amount_paid: 0,
      amount_remaining: toJsonNumber(total),
      parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: sub.metadata }, quote_details: null },
      livemode: false,
    };
  }

  private currentPeriod(sub: Json): { from: number; to: number } {
    const first = ((sub.items as Json).data as Json[])[0];
    return { from: first.current_period_start as number, to: first.current_period_end as number };
  }

  private previewInvoice(p: Params): Json {
    const subscriptionId = str(p, 'subscription');
    const customerId = str(p, 'customer');
    let sub: Json | undefined;
    if (subscriptionId) sub = this.subscription(subscriptionId).object;
    else if (customerId) {
      this.customer(customerId);
      sub = [...this.subscriptions.values()].map((s) => s.object).find((s) => s.customer === customerId && s.status !== 'canceled');
    } else throw invalid('You must specify either `customer` or `subscription`.', 'customer');
    if (!sub || sub.status === 'canceled') throw invalid('No upcoming invoices for customer.', 'customer', 'invoice_upcoming_none');
    if (customerId && sub.customer !== customerId) throw invalid('The subscription does not belong to this customer.', 'subscription');
    const { from, to } = this.currentPeriod(sub);
    return { id: `upcoming_${sub.id}`, ...this.computeInvoice(sub, from, to), status: 'draft', created: this.o.now(), billing_reason: 'upcoming', hosted_invoice_url: null };
  }

  private listInvoices(p: Params): Json {
    const customer = str(p, 'customer');
    const subscription = str(p, 'subscription');
    const status = str(p, 'status');
    const items = [...this.invoices.values()].filter(
      (i) =>
        (!customer || i.customer === customer) &&
        (!status || i.status === status) &&
        (!subscription || ((i.parent as Json).subscription_details as Json).subscription === subscription),
    );
    return this.page(items, p, '/v1/invoices');
  }

  /**
   * Test control: closes the subscription's current period into a finalized invoice (usage from the
   * meters, as Stripe does at period end), moves the subscription to its next period, and charges it.
   */
  closePeriod(subscriptionId: string, outcome: 'paid' | 'failed'): Json {
    const s = this.subscription(subscriptionId);
    const sub = s.object;
    const { from, to } = this.currentPeriod(sub);
    const now = this.o.now();
    const id = this.newId('in');
    const invoice: Json = {
      id,
      ...this.computeInvoice(sub, from, to),
      status: 'open',
      created: now,
      billing_reason: 'subscription_cycle',
      attempt_count: 0,
      attempted: false,
      next_payment_attempt: null,
      hosted_invoice_url: `${this.o.baseUrl()}/invoices/${id}`,
      status_transitions: { finalized_at: now, paid_at: null, marked_uncollectible_at: null, voided_at: null },
    };
    this.invoices.set(id, invoice);
    sub.latest_invoice = id;
    const nextEnd = s.anchor ? nextAnchor(to, s.anchor) : addMonth(to);
    for (const item of (sub.items as Json).data as Json[]) Object.assign(item, { current_period_start: to, current_period_end: nextEnd });
    this.o.emit('invoice.finalized', invoice);
    if (invoice.amount_due === 0 || outcome === 'paid') this.payInvoice(id);
    else this.failInvoicePayment(id);
    return invoice;
  }

  /** Test control: the invoice's payment succeeds (e.g. the customer updated the card). */
  payInvoice(invoiceId: string): Json {
    const invoice = this.get(this.invoices, 'invoice', invoiceId);
    if (invoice.status !== 'open') throw invalid(`Invoice ${invoiceId} is ${invoice.status}, not open.`, 'invoice');
    Object.assign(invoice, {
      status: 'paid',
      amount_paid: invoice.amount_due,
      amount_remaining: 0,
      attempted: true,
      attempt_count: (invoice.attempt_count as number) + 1,
      next_payment_attempt: null,
      status_transitions: { ...(invoice.status_transitions as Json), paid_at: this.o.now() },
    });
    this.o.emit('invoice.paid', invoice);
    return invoice;
  }

  /** Test control: a payment attempt of the invoice fails. */
  failInvoicePayment(invoiceId: string): Json {
    const invoice = this.get(this.invoices, 'invoice', invoiceId);
    if (invoice.status !== 'open') throw invalid(`Invoice ${invoiceId} is ${invoice.status}, not open.`, 'invoice');
    Object.assign(invoice, { attempted: true, attempt_count: (invoice.attempt_count as number) + 1, next_payment_attempt: this.o.now() + 3 * DAY });
    this.o.emit('invoice.payment_failed', invoice);
    return invoice;
  }

  // ---- Checkout and the customer portal ----

  private createCheckoutSession(p: Params): Json {
    const mode = str(p, 'mode', true);
    if (!['payment', 'setup', 'subscription'].includes(mode)) throw invalid(`Invalid mode: ${mode}`, 'mode');
    const successUrl = str(p, 'success_url', true);
    const customer = str(p, 'customer');
    if (customer) this.customer(customer);
    const lineItems = list(p, 'line_items') ?? [];
    if (mode === 'subscription' && !lineItems.length) throw missingParam('line_items');
    lineItems.forEach((li, i) => {
      const price = this.price(str(li, 'price', true), `line_items[${i}][price]`);
      if ((price.recurring as Json | null)?.usage_type === 'metered' && str(li, 'quantity') !== undefined) {
        throw invalid('Quantity should not be specified where usage_type is `metered`.', `line_items[${i}][quantity]`);
      }
    });
    const id = this.newId('cs');
    const session: Json = {
      id,
      object: 'checkout.session',
      cancel_url: str(p, 'cancel_url') ?? null,
      client_reference_id: str(p, 'client_reference_id') ?? null,
      created: this.o.now(),
      customer: customer ?? null,
      expires_at: this.o.now() + DAY,
      livemode: false,
      metadata: metadata(p),
      mode,
      payment_status: 'unpaid',
      setup_intent: null,
      status: 'open',
      subscription: null,
      success_url: successUrl,
      url: `${this.o.baseUrl()}/checkout/${id}`,
    };
    this.checkoutSessions.set(id, session);
    // Kept for completion; the real API does not echo them either.
    this.checkoutInputs.set(id, { lineItems, subscriptionData: obj(p, 'subscription_data') ?? {} });
    return session;
  }

  private readonly checkoutInputs = new Map<string, { lineItems: Params[]; subscriptionData: Params }>();

  /**
   * Test control: the customer completes the hosted Checkout page (a card is attached; in
   * subscription mode the subscription is created), and checkout.session.completed is emitted.
   */
  completeCheckoutSession(id: string): Json {
    const session = this.get(this.checkoutSessions, 'checkout.session', id);
    if (session.status !== 'open') throw invalid(`Checkout session ${id} is ${session.status}.`, 'id');
    const input = this.checkoutInputs.get(id) as { lineItems: Params[]; subscriptionData: Params };
    const customerId = (session.customer as string | null) ?? (this.createCustomer({}).id as string);
    const customer = this.customer(customerId);
    const pm = this.newId('pm');
    customer.invoice_settings = { ...(customer.invoice_settings as Json), default_payment_method: pm };
    session.customer = customerId;
    if (session.mode === 'subscription') {
      const sub = this.createSubscriptionFor(customerId, { ...input.subscriptionData, items: input.lineItems, default_payment_method: pm });
      session.subscription = sub.id;
      session.payment_status = 'paid';
    } else if (session.mode === 'setup') {
      session.setup_intent = this.newId('seti');
      session.payment_status = 'no_payment_required';
    } else {
      session.payment_status = 'paid';
    }
    session.status = 'complete';
    this.o.emit('checkout.session.completed', session);
    return session;
  }

  private createPortalSession(p: Params): Json {
    const customer = str(p, 'customer', true);
    this.customer(customer);
    const id = this.newId('bps');
    const session: Json = {
      id,
      object: 'billing_portal.session',
      configuration: 'bpc_test_default',
      created: this.o.now(),
      customer,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: str(p, 'return_url') ?? null,
      url: `${this.o.baseUrl()}/billing_portal/${id}`,
    };
    this.portalSessions.set(id, session);
    return session;
  }
}
