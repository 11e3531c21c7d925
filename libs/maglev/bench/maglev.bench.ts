// Maglev table build time for N = 10, 100, 1000 backends across the listed primes, against a naive
// modulo fill (no consistency) measured in the same run.
// Run: node -r ./scripts/register.js libs/maglev/bench/maglev.bench.ts
import { MAGLEV_PRIMES, buildMaglevTable, canonicalBackendOrder, maglevTableSize, type MaglevBackend } from '../src';

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
