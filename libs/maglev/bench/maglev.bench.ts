// Maglev table build time for N = 10, 100, 1000 backends across the listed primes, against a naive
// modulo fill (no consistency) measured in the same run.
// Run: node -r ./scripts/register.js libs/maglev/bench/maglev.bench.ts
import {
  MAGLEV_PRIMES, buildMaglevTable, buildMinimalDisruptionTable, canonicalBackendOrder, decodeMaglevTable, encodeMaglevTable, maglevEntryBits, maglevTableSize,
  type MaglevBackend,
} from '../src';

function moduloTable(backends: readonly MaglevBackend[], m: number): Int32Array {
  const sorted = canonicalBackendOrder(backends);
  const active = sorted.flatMap((b, i) => (b.weight > 0 ? [i] : []));
  const table = new Int32Array(m);
  for (let j = 0; j < m; j++) table[j] = active[j % active.length];
  return table;
}

/** Mean ms per call, repeating until ~200 ms have elapsed (at least 3 calls) after one warm-up. */
function timeIt(fn: () => unknown): number {
  fn();
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (runs < 3 || elapsed < 200) {
    fn();
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsed / runs;
}

const rows: string[][] = [['N', 'M', 'weights', 'maglev ms/build', 'buckets/s', 'modulo ms/build', 'maglev/modulo']];
for (const n of [10, 100, 1000]) {
  for (const weighted of [false, true]) {
    // Deterministic weights 1..100 so runs compare.
    const backends = Array.from({ length: n }, (_, i) => ({ id: `backend-${i}`, weight: weighted ? 1 + ((i * 37) % 100) : 100 }));
    const sizes = MAGLEV_PRIMES.filter((m) => m >= maglevTableSize(n) || m === 65537);
    for (const m of weighted ? [maglevTableSize(n), 65537].filter((v, i, a) => a.indexOf(v) === i) : sizes) {
      const ms = timeIt(() => buildMaglevTable(backends, m));
      const base = timeIt(() => moduloTable(backends, m));
      rows.push([String(n), String(m), weighted ? '1..100' : 'equal', ms.toFixed(3), Math.round(m / (ms / 1000)).toLocaleString('en-US'), base.toFixed(3), `${(ms / base).toFixed(1)}x`]);
    }
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c])).join('  '));
console.log(`node ${process.version}; maglevTableSize picks the first M >= 100N (capped at 65537 for N > 655).`);

// Minimal-disruption compile (the control plane's table compiler) at N = 1000, M = 65537, against a
// plain Maglev build of the same set in the same run; plus the wire size of the shipped table.
{
  const m = 65537;
  const base = Array.from({ length: 1000 }, (_, i) => ({ id: `backend-${String(i).padStart(4, '0')}`, weight: 1 + ((i * 37) % 100) }));
  const ids = canonicalBackendOrder(base).map((b) => b.id);
  const previous = { ids, table: buildMinimalDisruptionTable(null, base, m) };
  const changes: [string, MaglevBackend[]][] = [
    ['remove one', base.filter((b) => b.id !== 'backend-0501')],
    ['add one', [...base, { id: 'backend-new', weight: 100 }]],
    ['reweight one', base.map((b) => (b.id === 'backend-0401' ? { ...b, weight: 1 } : b))],
  ];
  const out: string[][] = [['change (N = 1000, M = 65537)', 'minimal ms', 'plain Maglev ms', 'minimal/plain', 'buckets moved', 'of them collateral']];
  for (const [name, next] of changes) {
    const ms = timeIt(() => buildMinimalDisruptionTable(previous, next, m));
    const plain = timeIt(() => buildMaglevTable(next, m));
    const table = buildMinimalDisruptionTable(previous, next, m);
    const nextIds = canonicalBackendOrder(next).map((b) => b.id);
    let moved = 0;
    const plainTable = buildMaglevTable(next, m);
    let plainMoved = 0;
    for (let c = 0; c < m; c++) {
      const was = ids[previous.table[c]];
      if (nextIds[table[c]] !== was) moved++;
      if (nextIds[plainTable[c]] !== was) plainMoved++;
    }
    const own = name === 'add one' ? 0 : Array.from(previous.table).filter((i) => ids[i] === (name === 'remove one' ? 'backend-0501' : 'backend-0401')).length;
    out.push([name, ms.toFixed(2), plain.toFixed(2), `${(ms / plain).toFixed(2)}x`, `${moved} (plain rebuild: ${plainMoved})`, name === 'add one' ? '0 (all moves go to the new backend)' : `${Math.max(0, moved - own)}`]);
  }
  const w = out[0].map((_, c) => Math.max(...out.map((r) => r[c].length)));
  console.log('');
  for (const r of out) console.log(r.map((v, c) => v.padEnd(w[c])).join('  '));
  const encoded = encodeMaglevTable(previous.table, ids.length);
  const json = JSON.stringify(Array.from(previous.table));
  console.log(`desired-state size of one table at N = 1000, M = 65537: ${encoded.length.toLocaleString('en-US')} chars base64 (${maglevEntryBits(1000)} bits/bucket) vs ${json.length.toLocaleString('en-US')} chars as a JSON array (${(json.length / encoded.length).toFixed(1)}x); encode ${timeIt(() => encodeMaglevTable(previous.table, 1000)).toFixed(2)} ms, decode ${timeIt(() => decodeMaglevTable(encoded, m, 1000)).toFixed(2)} ms`);
}
