import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import {
  BillingError,
  BillingErrorCode,
  classifyStripeError,
  hourStart,
  measureUsage,
  meterEventsForHour,
  stripeCatalog,
  type MeterEventParams,
} from '@anyfront/billing';
import { sendMeterEventsJob } from '@anyfront/contracts';
import { BillingRepository, OutboxRepository } from '@anyfront/db';

const HOUR = 3600;

export interface MeasureOptions {
  /** Epoch seconds. */
  now: number;
  /** An hour is measured this long after it closed (the traffic roll-up's lag). */
  delaySeconds: number;
  /** Hours before the watermark measured again: traffic reported late goes out as delta events. */
  lookbackHours: number;
  /** At most this many new hours per organization and run (a long outage of the worker catches up over runs). */
  maxHoursPerRun: number;
  queuePrefix: string;
}

export interface MeasureResult {
  organizations: number;
  hours: number;
  events: number;
  /** Hours whose usage fell below what was exported (cannot be unbilled): skipped, with why. */
  skipped: string[];
}

/**
 * Measures every closed hour of every organization with a Stripe Customer into meter events and
 * writes them to `meter_export_events` (the export outbox) with the watermark, in one transaction
 * per organization, plus an outbox job that sends them. A row's identifier and value are fixed
 * here, never recomputed at send time; measuring an hour again only adds the growth (late traffic)
 * as a delta event with its own deterministic identifier.
 */
export async function measureMeterEvents(ds: DataSource, opts: MeasureOptions): Promise<MeasureResult> {
  const until = hourStart(opts.now - opts.delaySeconds);
  const orgs: Array<{ organization_id: string; stripe_customer_id: string }> = await ds.query(
    `SELECT organization_id, stripe_customer_id FROM billing_accounts WHERE stripe_customer_id IS NOT NULL ORDER BY 1`,
  );
  const result: MeasureResult = { organizations: 0, hours: 0, events: 0, skipped: [] };
  const book = await new BillingRepository(ds).priceBook();
  for (const { organization_id: org, stripe_customer_id: customer } of orgs) {
    await ds.transaction(async (tx) => {
      // A new organization starts at the beginning of the current month (the subscription's period).
      await tx.query(
        `INSERT INTO meter_export_state (organization_id, exported_from, exported_until)
         SELECT $1, m, m FROM (SELECT date_trunc('month', to_timestamp($2) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m) x ON CONFLICT DO NOTHING`,
        [org, opts.now],
      );
      const [state] = await tx.query(
        `SELECT extract(epoch FROM exported_from)::bigint::text AS f, extract(epoch FROM exported_until)::bigint::text AS t FROM meter_export_state WHERE organization_id = $1 FOR UPDATE`,
        [org],
      );
      const watermark = Number(state.t);
      const to = Math.min(until, watermark + opts.maxHoursPerRun * HOUR);
      const from = Math.max(Number(state.f), watermark - opts.lookbackHours * HOUR);
      if (to <= from) return;
      const repo = new BillingRepository(tx);
      const [holdings, traffic] = await Promise.all([repo.holdings(org, from, to), repo.trafficHours(org, from, to)]);
      const done: Array<{ event_name: string; hour: string; total: string }> = await tx.query(
        `SELECT event_name, extract(epoch FROM hour)::bigint::text AS hour, sum(value)::text AS total
           FROM meter_export_events WHERE organization_id = $1 AND hour >= to_timestamp($2) AND hour < to_timestamp($3) GROUP BY 1, 2`,
        [org, from, to],
      );
      const exported = new Map<number, Map<string, bigint>>();
      for (const d of done) {
        const m = exported.get(Number(d.hour)) ?? new Map<string, bigint>();
        m.set(d.event_name, BigInt(d.total));
        exported.set(Number(d.hour), m);
      }
      const events: MeterEventParams[] = [];
      for (let h = from; h < to; h += HOUR) {
        const usage = measureUsage(book, org, { from: h, to: h + HOUR }, holdings, traffic);
        try {
          events.push(...meterEventsForHour({ organizationId: org, stripeCustomerId: customer, hour: h, usage, alreadyExported: exported.get(h) }));
        } catch (err) {
          if (!(err instanceof BillingError) || err.code !== BillingErrorCode.UsageDecreased) throw err;
          result.skipped.push(`${org}: ${err.message}`);
        }
      }
      if (events.length) {
        const inserted: unknown[] = await tx.query(
          `INSERT INTO meter_export_events (identifier, organization_id, stripe_customer_id, event_name, hour, value, next_attempt_at)
           SELECT e->>'identifier', $1, e->'payload'->>'stripe_customer_id', e->>'event_name', to_timestamp((e->>'timestamp')::bigint), (e->'payload'->>'value')::numeric, to_timestamp($3)
             FROM jsonb_array_elements($2::jsonb) AS e
           ON CONFLICT (identifier) DO NOTHING RETURNING 1`,
          [org, JSON.stringify(events), opts.now],
        );
        result.events += inserted.length;
        if (inserted.length) await new OutboxRepository(tx, opts.queuePrefix).add([sendMeterEventsJob()]);
      }
      if (to > watermark) {
        await tx.query(`UPDATE meter_export_state SET exported_until = to_timestamp($2), updated_at = now() WHERE organization_id = $1`, [org, to]);
        result.hours += (to - watermark) / HOUR;
      }
      result.organizations++;
    });
  }
  return result;
}

export interface SendResult {
  sent: number;
  /** Stripe already had the identifier (a resend after a lost answer): counted once. */
  alreadyDelivered: number;
  /** Calls that failed and wait for their next attempt. */
  failed: number;
  /** Rows still unsent after this run. */
  pending: number;
}

interface PendingRow {
  identifier: string;
  stripe_customer_id: string;
  event_name: string;
  hour: string;
  value: string;
  attempts: number;
}

/** Backoff of a failed send: 5 s doubling per attempt, at most 10 minutes (Stripe's Retry-After wins). */
export function retryDelaySeconds(attempts: number, retryAfter: number | null): number {
  if (retryAfter !== null) return retryAfter;
  return Math.min(600, 5 * 2 ** Math.min(attempts, 10));
}

/**
 * Delivers due rows of the export outbox to Stripe (`billing.meterEvents.create`), oldest hour first.
 * Success or "an event already exists with identifier" marks a row sent; a retryable failure (5xx,
 * 429, timeout, connection) schedules its next attempt and ends the run (Stripe is struggling);
 * nothing is recomputed, so an outage only delays the export.
 */
export async function sendMeterEvents(ds: DataSource, stripe: Stripe, opts: { now: number; batchSize: number; concurrency: number; meters: Set<string> }): Promise<SendResult> {
  const out: SendResult = { sent: 0, alreadyDelivered: 0, failed: 0, pending: 0 };
  const rows: PendingRow[] = await ds.query(
    `SELECT identifier, stripe_customer_id, event_name, extract(epoch FROM hour)::bigint::text AS hour, value::text AS value, attempts
       FROM meter_export_events WHERE sent_at IS NULL AND next_attempt_at <= to_timestamp($1) ORDER BY hour, identifier LIMIT $2`,
    [opts.now, opts.batchSize],
  );
  const fail = async (r: PendingRow, err: unknown): Promise<boolean> => {
    const c = classifyStripeError(err);
    if (c.kind === 'already_delivered') {
      await ds.query(`UPDATE meter_export_events SET sent_at = now(), last_error = 'already delivered (identifier known to Stripe)' WHERE identifier = $1`, [r.identifier]);
      out.alreadyDelivered++;
      return true;
    }
    const delay = c.kind === 'retry' ? retryDelaySeconds(r.attempts, c.afterSeconds) : HOUR;
    await ds.query(
      `UPDATE meter_export_events SET attempts = attempts + 1, next_attempt_at = to_timestamp($2), last_error = $3 WHERE identifier = $1`,
      [r.identifier, opts.now + delay, `${c.kind}: ${c.reason}`.slice(0, 1000)],
    );
    out.failed++;
    return c.kind !== 'retry';
  };
  try {
    await ensureMeters(ds, stripe, [...new Set(rows.map((r) => r.event_name))], opts.meters);
  } catch (err) {
    // Stripe unreachable: every row waits (no attempt counted against a row that was not sent).
    if (classifyStripeError(err).kind === 'retry') return { ...out, pending: await pendingCount(ds) };
    throw err;
  }
  let keepGoing = true;
  for (let i = 0; i < rows.length && keepGoing; i += opts.concurrency) {
    const chunk = rows.slice(i, i + opts.concurrency);
    const results = await Promise.all(
      chunk.map(async (r) => {
        try {
          await stripe.billing.meterEvents.create({
            event_name: r.event_name,
            identifier: r.identifier,
            timestamp: Number(r.hour),
            payload: { stripe_customer_id: r.stripe_customer_id, value: r.value },
          });
          await ds.query(`UPDATE meter_export_events SET sent_at = now(), last_error = NULL WHERE identifier = $1`, [r.identifier]);
          out.sent++;
          return true;
        } catch (err) {
          return fail(r, err);
        }
      }),
    );
    keepGoing = results.every(Boolean);
  }
  out.pending = await pendingCount(ds);
  return out;
}

async function pendingCount(ds: DataSource): Promise<number> {
  const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM meter_export_events WHERE sent_at IS NULL`);
  return n as number;
}

/** The Stripe meters of these event names exist (created from the price book's catalog when missing; remembered per process). */
async function ensureMeters(ds: DataSource, stripe: Stripe, eventNames: string[], known: Set<string>): Promise<void> {
  const missing = eventNames.filter((e) => !known.has(e));
  if (!missing.length) return;
  const existing = await stripe.billing.meters.list({ limit: 100, status: 'active' });
  for (const m of existing.data) known.add(m.event_name);
  const catalog = stripeCatalog(await new BillingRepository(ds).priceBook());
  for (const name of missing.filter((e) => !known.has(e))) {
    const item = catalog.find((c) => c.eventName === name);
    if (!item) throw new Error(`meter event ${name} is not in the price book's catalog`);
    await stripe.billing.meters.create(item.meter, { idempotencyKey: `meter:${name}` });
    known.add(name);
  }
}
