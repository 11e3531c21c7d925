// Rating one month (744 h) for 10,000 organizations × 5 services: each service holds 2 IPv4 and 1
// IPv6 address (one service per organization is replaced mid-month) and reports traffic every hour
// through PoPs of 2 regions (7,440 traffic rows per organization, 74 M in all). Against a baseline
// measured in the same run: summing the same raw quantities (seconds held, bytes) per organization
// without segments, metrics, rates or rounding — the least work that reads the same input.
// Second figure: one hour's meter events for every organization (the hourly export's CPU).
// Run: node -r ./scripts/register.js libs/billing/bench/rating.bench.ts
import {
  SECONDS_PER_HOUR,
  calendarMonth,
  defaultPriceBook,
  measureUsage,
  meterEventsForHour,
  parseIsoInstant,
  previewInvoice,
  type Holding,
  type TrafficHour,
} from '../src';

const ORGS = Number(process.env.BENCH_ORGS ?? 10_000);
const SERVICES = 5;
const TEMPLATES = 64; // distinct input sets, reused round-robin (rating is pure)
const REGIONS = ['eu-west', 'ap-southeast'];
const H = SECONDS_PER_HOUR;
const month = calendarMonth(parseIsoInstant('2026-01-15T00:00:00Z') as number);
const book = defaultPriceBook();

interface OrgInput {
  organizationId: string;
  holdings: Holding[];
  traffic: TrafficHour[];
}

function makeOrg(t: number): OrgInput {
  const organizationId = `00000000-0000-4000-8000-${t.toString().padStart(12, '0')}`;
  const holdings: Holding[] = [];
  const traffic: TrafficHour[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const serviceId = `svc-${t}-${s}`;
    const from = s === 0 ? month.from + 9 * 86_400 + 1234 * (t + 1) : month.from - 86_400;
    const to = s === 0 ? month.from + 20 * 86_400 + 77 * t : null;
    holdings.push(
      { organizationId, serviceId, address: `198.51.100.${s * 2}`, family: 4, from, to },
      { organizationId, serviceId, address: `198.51.100.${s * 2 + 1}`, family: 4, from, to },
      { organizationId, serviceId, address: `fd00::${s}`, family: 6, from, to },
    );
    for (let h = month.from; h < month.to; h += H) {
      for (const region of REGIONS) traffic.push({ organizationId, serviceId, hour: h, region, bytes: BigInt(((h / H) * 7919 + s * 104_729 + t) % 50_000_000) * 1000n });
    }
  }
  return { organizationId, holdings, traffic };
}

/** Baseline: raw sums per organization, no pricing at all. */
function rawSums(o: OrgInput): { seconds: number; bytes: bigint } {
  let seconds = 0;
  for (const h of o.holdings) {
    const a = h.from > month.from ? h.from : month.from;
    const b = h.to === null || h.to > month.to ? month.to : h.to;
    if (b > a) seconds += b - a;
  }
  let bytes = 0n;
  for (const t of o.traffic) if (t.hour >= month.from && t.hour < month.to) bytes += t.bytes;
  return { seconds, bytes };
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

const gen = time(() => Array.from({ length: TEMPLATES }, (_, t) => makeOrg(t)));
const templates = gen.result;
const rows = templates[0].traffic.length;
console.log(`inputs: ${TEMPLATES} distinct organizations reused for ${ORGS.toLocaleString('en-US')}; ${SERVICES} services, ${templates[0].holdings.length} holdings and ${rows.toLocaleString('en-US')} traffic rows each (built in ${gen.ms.toFixed(0)} ms)`);

// Warm up both paths once.
for (const o of templates) {
  previewInvoice({ organizationId: o.organizationId, plan: 'standard', book, period: month, holdings: o.holdings, traffic: o.traffic });
  rawSums(o);
}

const results: { name: string; ms: number }[] = [];
for (let round = 0; round < 3; round++) {
  const base = time(() => {
    let check = 0n;
    for (let i = 0; i < ORGS; i++) check += rawSums(templates[i % TEMPLATES]).bytes;
    return check;
  });
  const rated = time(() => {
    let total = 0n;
    for (let i = 0; i < ORGS; i++) {
      const o = templates[i % TEMPLATES];
      total += previewInvoice({ organizationId: o.organizationId, plan: 'standard', book, period: month, holdings: o.holdings, traffic: o.traffic }).total;
    }
    return total;
  });
  results.push({ name: 'baseline', ms: base.ms }, { name: 'rating', ms: rated.ms });
  if (round === 0) console.log(`check: sum of totals ${rated.result} minor units`);
}
const median = (name: string) => results.filter((r) => r.name === name).map((r) => r.ms).sort((a, b) => a - b)[1];
const ratingMs = median('rating');
const baseMs = median('baseline');
const totalRows = ORGS * (rows + templates[0].holdings.length);
console.log('');
console.log('| path | ms for the month (median of 3) | organizations/s | input rows/s | vs baseline |');
console.log('|---|---|---|---|---|');
console.log(`| raw sums, no pricing (baseline) | ${baseMs.toFixed(0)} | ${Math.round(ORGS / (baseMs / 1000)).toLocaleString('en-US')} | ${(totalRows / (baseMs / 1000) / 1e6).toFixed(1)} M | 1.00x |`);
console.log(`| previewInvoice (rating + allowance) | ${ratingMs.toFixed(0)} | ${Math.round(ORGS / (ratingMs / 1000)).toLocaleString('en-US')} | ${(totalRows / (ratingMs / 1000) / 1e6).toFixed(1)} M | ${(ratingMs / baseMs).toFixed(2)}x |`);

// One hour's export, given what the database returns for that hour (its traffic rows, the holdings
// overlapping it): measure the hour and build its meter events, for every organization. Baseline:
// raw sums of the same rows.
const hour = month.from + 400 * H;
const hourInputs = templates.map((o) => ({
  organizationId: o.organizationId,
  holdings: o.holdings.filter((h) => h.from < hour + H && (h.to === null || h.to > hour)),
  traffic: o.traffic.filter((t) => t.hour === hour),
}));
const hourRuns: { base: number; export: number; events: number }[] = [];
for (let round = 0; round < 3; round++) {
  const base = time(() => {
    let n = 0n;
    let seconds = 0;
    for (let i = 0; i < ORGS; i++) {
      const o = hourInputs[i % TEMPLATES];
      for (const h of o.holdings) seconds += (h.to === null || h.to > hour + H ? hour + H : h.to) - (h.from > hour ? h.from : hour);
      for (const t of o.traffic) n += t.bytes;
    }
    return n + BigInt(seconds);
  });
  const exported = time(() => {
    let events = 0;
    for (let i = 0; i < ORGS; i++) {
      const o = hourInputs[i % TEMPLATES];
      const usage = measureUsage(book, o.organizationId, { from: hour, to: hour + H }, o.holdings, o.traffic);
      events += meterEventsForHour({ organizationId: o.organizationId, stripeCustomerId: 'cus_bench', hour, usage }).length;
    }
    return events;
  });
  hourRuns.push({ base: base.ms, export: exported.ms, events: exported.result });
}
const mid = <K extends 'base' | 'export'>(k: K) => hourRuns.map((r) => r[k]).sort((a, b) => a - b)[1];
console.log('');
console.log(`| one hour's export, ${ORGS.toLocaleString('en-US')} organizations | ms (median of 3) | meter events/s | vs baseline |`);
console.log('|---|---|---|---|');
console.log(`| raw sums of the hour's rows (baseline) | ${mid('base').toFixed(1)} | | 1.00x |`);
console.log(`| measureUsage + meterEventsForHour (${hourRuns[0].events.toLocaleString('en-US')} events) | ${mid('export').toFixed(1)} | ${Math.round(hourRuns[0].events / (mid('export') / 1000)).toLocaleString('en-US')} | ${(mid('export') / mid('base')).toFixed(2)}x |`);
console.log(`node ${process.version}`);
