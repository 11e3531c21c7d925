// A small Stripe-compatible HTTP server for tests that must not reach the internet: point the real
// `stripe` SDK at it with `new Stripe(key, server.sdkConfig())`. It speaks the SDK's form-encoded
// requests, answers in Stripe's shapes and error format, implements Idempotency-Key semantics and
// meter-event identifier dedupe, signs webhook events with the SDK's own test helper, and can be
// told to fail (5xx, timeouts, dropped connections, 429 with Retry-After). See README.md beside it.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import qs from 'qs';
import Stripe from 'stripe';
import { StripeApiError, invalid } from './errors';
import { StripeState, type Params } from './state';

type Json = Record<string, unknown>;

export type StripeFault =
  /** Answer with this status (500, 502, 503...) in Stripe's api_error shape. */
  | { kind: 'status'; status: number; afterHandling?: boolean }
  /** Never answer (the SDK's timeout fires); afterHandling: the request took effect first. */
  | { kind: 'timeout'; afterHandling?: boolean }
  /** Drop the connection without an answer. */
  | { kind: 'reset'; afterHandling?: boolean }
  /** 429 rate limited, with a Retry-After header. */
  | { kind: 'rate_limit'; retryAfterSeconds: number; afterHandling?: false };

export interface StripeFaultRule {
  method?: string;
  /** Exact path ("/v1/billing/meter_events") or a pattern. */
  path?: string | RegExp;
  /** How many matching requests fail (default 1; Infinity until cleared). */
  times?: number;
  fault: StripeFault;
}

export interface StripeRequestLog {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number | 'no response';
  replayed: boolean;
  fault: StripeFault['kind'] | null;
}

export interface StripeWebhookDelivery {
  eventId: string;
  status: number | null;
  error: string | null;
}

export interface StripeTestServerOptions {
  apiKey?: string;
  webhookSecret?: string;
  /** Where events are POSTed (signed), e.g. the API's /v1/billing/webhooks/stripe; none: only stored. */
  webhookUrl?: string;
  /** Epoch seconds; tests can also move the clock with setNow/advance. Default: the real clock. */
  now?: number;
  /** How long a meter-event identifier is remembered (Stripe: "at least 24 hours"). */
  identifierWindowSeconds?: number;
  port?: number;
}

interface StoredIdempotent {
  method: string;
  path: string;
  fingerprint: string;
  status: number;
  body: string;
  at: number;
}

const IDEMPOTENCY_TTL = 24 * 3600;

/** A Stripe API stand-in on 127.0.0.1. Start with StripeTestServer.start(); stop() when done. */
export class StripeTestServer {
  readonly apiKey: string;
  readonly webhookSecret: string;
  webhookUrl: string | null;
  readonly requests: StripeRequestLog[] = [];
  readonly deliveries: StripeWebhookDelivery[] = [];
  readonly state: StripeState;
  private clock: number | null;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly idempotent = new Map<string, StoredIdempotent>();
  private faults: StripeFaultRule[] = [];
  private down: StripeFault | null = null;
  private pendingDeliveries: Promise<unknown>[] = [];
  private port = 0;

  private constructor(private readonly options: StripeTestServerOptions) {
    this.apiKey = options.apiKey ?? 'sk_test_anyfront_local';
    this.webhookSecret = options.webhookSecret ?? 'whsec_anyfront_local_test_secret';
    this.webhookUrl = options.webhookUrl ?? null;
    this.clock = options.now ?? null;
    this.state = new StripeState({
      now: () => this.now(),
      baseUrl: () => this.url,
      emit: (type, object, previous) => this.emit(type, object, previous),
      identifierWindowSeconds: options.identifierWindowSeconds ?? 24 * 3600,
    });
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: StripeTestServerOptions = {}): Promise<StripeTestServer> {
    const s = new StripeTestServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `new Stripe(server.apiKey, server.sdkConfig())`. */
  sdkConfig(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  now(): number {
    return this.clock ?? Math.floor(Date.now() / 1000);
  }

  setNow(t: number): void {
    this.clock = t;
  }

  advance(seconds: number): void {
    this.clock = this.now() + seconds;
  }

  /** Fail the next matching request(s). */
  inject(rule: StripeFaultRule): void {
    this.faults.push({ times: 1, ...rule });
  }

  /** Every request fails this way until setDown(null): "Stripe is down". */
  setDown(fault: StripeFault | null): void {
    this.down = fault;
  }

  clearFaults(): void {
    this.faults = [];
    this.down = null;
  }

  async stop(): Promise<void> {
    await this.flushWebhooks();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- webhooks ----

  /** Creates a Stripe event, stores it (GET /v1/events/:id) and delivers it if a webhook URL is set. */
  emit(type: string, object: Json, previousAttributes?: Json): Json {
    const id = this.state.newId('evt');
    const event: Json = {
      id,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: this.now(),
      data: { object: structuredClone(object), ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}) },
      livemode: false,
      pending_webhooks: this.webhookUrl ? 1 : 0,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.state.events.set(id, event);
    if (this.webhookUrl) this.pendingDeliveries.push(this.deliver(id));
    return event;
  }

  /** Events emitted so far, oldest first, optionally of one type. */
  eventsOf(type?: string): Json[] {
    return [...this.state.events.values()].filter((e) => !type || e.type === type);
  }

  /**
   * The body and Stripe-Signature header Stripe would send for an event, signed with the SDK's test
   * helper. The signature time is the wall clock (the receiver checks it against its own), not the
   * server's possibly moved clock.
   */
  signedPayload(event: Json, options: { timestamp?: number; secret?: string } = {}): { payload: string; header: string } {
    const payload = JSON.stringify(event, null, 2);
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? this.webhookSecret, timestamp });
    return { payload, header };
  }

  /** POSTs an event to the webhook URL, signed; `times` > 1 redelivers it (Stripe retries and replays). */
  async deliver(eventId: string, times = 1): Promise<StripeWebhookDelivery[]> {
    const event = this.state.events.get(eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    if (!this.webhookUrl) throw new Error('no webhookUrl configured');
    const out: StripeWebhookDelivery[] = [];
    for (let i = 0; i < times; i++) {
      const { payload, header } = this.signedPayload(event);
      const d = await postJson(this.webhookUrl, payload, { 'Stripe-Signature': header }).then(
        (status) => ({ eventId, status, error: null }),
        (e: Error) => ({ eventId, status: null, error: e.message }),
      );
      this.deliveries.push(d);
      out.push(d);
    }
    return out;
  }

  /** Waits until every automatic delivery so far has been attempted. */
  async flushWebhooks(): Promise<void> {
    while (this.pendingDeliveries.length) {
      const batch = this.pendingDeliveries;
      this.pendingDeliveries = [];
      await Promise.allSettled(batch);
    }
  }

  // ---- test controls that stand in for what a customer or Stripe's scheduler does ----

  completeCheckoutSession(id: string): Json {
    return this.state.completeCheckoutSession(id);
  }

  closePeriod(subscriptionId: string, outcome: 'paid' | 'failed'): Json {
    return this.state.closePeriod(subscriptionId, outcome);
  }

  payInvoice(invoiceId: string): Json {
    return this.state.payInvoice(invoiceId);
  }

  failInvoicePayment(invoiceId: string): Json {
    return this.state.failInvoicePayment(invoiceId);
  }

  /** Sum a meter recorded for a customer over [from, to) (what Stripe will bill). */
  meterTotal(eventName: string, customerId: string, from: number, to: number): bigint {
    const meter = [...this.state.meters.values()].find((m) => m.event_name === eventName);
    return meter ? this.state.meterTotal(meter.id as string, customerId, from, to) : 0n;
  }

  // ---- HTTP ----

  private takeFault(method: string, path: string): StripeFault | null {
    if (this.down) return this.down;
    for (const rule of this.faults) {
      if (rule.method && rule.method !== method) continue;
      if (rule.path && (typeof rule.path === 'string' ? rule.path !== path : !rule.path.test(path))) continue;
      rule.times = (rule.times ?? 1) - 1;
      if (rule.times <= 0) this.faults = this.faults.filter((r) => r !== rule);
      return rule.fault;
    }
    return null;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const body = await readBody(req);
    const key = header(req, 'idempotency-key');
    const log: StripeRequestLog = { method, path, idempotencyKey: key, status: 'no response', replayed: false, fault: null };
    this.requests.push(log);

    // The pages behind Checkout and portal URLs: visiting them completes the flow (like a customer would).
    const page = /^\/(checkout|billing_portal)\/([^/]+)$/.exec(path);
    if (method === 'GET' && page) return this.servePage(page[1], page[2], res, log);

    const fault = this.takeFault(method, path);
    log.fault = fault?.kind ?? null;
    if (fault && !fault.afterHandling) return this.failWith(fault, res, log);

    const send = (status: number, payload: string, extra: Record<string, string> = {}) => {
      if (fault) return this.failWith(fault, res, log);
      log.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': this.state.newId('req'), 'Stripe-Version': Stripe.API_VERSION, ...extra });
      res.end(payload);
    };

    try {
      const auth = header(req, 'authorization') ?? '';
      if (auth !== `Bearer ${this.apiKey}`) {
        const shown = auth.replace(/^Bearer /, '');
        throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${shown.slice(0, 8)}${'*'.repeat(Math.max(0, shown.length - 12))}${shown.slice(-4)}`);
      }
      const params = (method === 'GET' || method === 'DELETE' ? qs.parse(url.search.slice(1), QS) : qs.parse(body, QS)) as Params;
      const fingerprint = JSON.stringify(sortKeys(params));
      const now = this.now();
      if (method === 'POST' && key) {
        for (const [k, v] of this.idempotent) if (v.at <= now - IDEMPOTENCY_TTL) this.idempotent.delete(k);
        const stored = this.idempotent.get(key);
        if (stored) {
          if (stored.method !== method || stored.path !== path || stored.fingerprint !== fingerprint) {
            throw new StripeApiError(
              400,
              'idempotency_error',
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            );
          }
          log.replayed = true;
          return send(stored.status, stored.body, { 'Idempotent-Replayed': 'true', 'Idempotency-Key': key });
        }
      }
      const route = this.state.routes.find((r) => r.method === method && r.pattern.test(path));
      if (!route) throw new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). This test server implements only the endpoints Anyfront uses.`);
      // Handlers run synchronously, so two requests with one key never overlap (no 409 case).
      const result = route.handler(params, route.pattern.exec(path) as RegExpExecArray);
      const payload = JSON.stringify(result);
      // Only results of requests that ran are kept: a validation error may be retried with the same key.
      if (method === 'POST' && key) this.idempotent.set(key, { method, path, fingerprint, status: 200, body: payload, at: now });
      send(200, payload, key ? { 'Idempotency-Key': key } : {});
    } catch (e) {
      const err = e instanceof StripeApiError ? e : new StripeApiError(500, 'api_error', `test server error: ${(e as Error).message}`);
      send(err.status, JSON.stringify(err.body()), err.headers);
    }
  }

  private failWith(fault: StripeFault, res: ServerResponse, log: StripeRequestLog): void {
    if (fault.kind === 'timeout') return; // hold the socket open; stop() destroys it
    if (fault.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    const err =
      fault.kind === 'rate_limit'
        ? new StripeApiError(429, 'invalid_request_error', 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.', { code: 'rate_limit' }, { 'Retry-After': String(fault.retryAfterSeconds) })
        : new StripeApiError(fault.status, 'api_error', 'An unknown error occurred (injected by the Stripe test server).');
    log.status = err.status;
    res.writeHead(err.status, { 'Content-Type': 'application/json', 'Request-Id': this.state.newId('req'), ...err.headers });
    res.end(JSON.stringify(err.body()));
  }

  private servePage(kind: string, id: string, res: ServerResponse, log: StripeRequestLog): void {
    let location: string | null = null;
    try {
      if (kind === 'checkout') {
        const s = this.state.checkoutSessions.get(id);
        if (!s) throw invalid(`No such checkout session: '${id}'`);
        if (s.status === 'open') this.completeCheckoutSession(id);
        location = s.success_url as string;
      } else {
        const s = this.state.portalSessions.get(id);
        if (!s) throw invalid(`No such portal session: '${id}'`);
        location = (s.return_url as string | null) ?? '/';
      }
    } catch (e) {
      log.status = 404;
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end((e as Error).message);
      return;
    }
    log.status = 303;
    res.writeHead(303, { Location: location.replace('{CHECKOUT_SESSION_ID}', id) });
    res.end();
  }
}

const QS = { depth: 20, arrayLimit: 1000, parameterLimit: 10_000 };

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? null) : null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  return v;
}

function postJson(url: string, payload: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('webhook delivery timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}
