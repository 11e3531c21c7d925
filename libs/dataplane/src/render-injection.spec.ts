import fc from 'fast-check';
import { desiredStateSchema, type DesiredState } from '@anyfront/contracts';
import { allocateMarks, emptyAllocation } from './marks';
import { renderFullRebuild } from './nft';
import { buildPlan, wantedMarkKeys } from './plan';
import { buildRouting, renderRoutingChange, type RoutingOptions } from './routes';
import { service, state } from './fixtures.spec-helpers';

/**
 * Issue 9 §1: nothing in a desired state reaches an nft or ip command unvalidated. Every string field
 * of a valid state is replaced by hostile strings (shell and nft metacharacters, newlines, IPv6 zone
 * ids, interface names, unicode); the schema must refuse the value, or the value must be one the
 * renderers may print (letters, digits and . : / _ - only, e.g. an address or an id).
 */

const ROPTS: RoutingOptions = { uplink: 'eth0', rulePriority: 1000, devicePrefix: 'aft', sources: { ipv4: '192.0.2.11', ipv6: 'fd00:1::11' } };
const SAFE = /^[A-Za-z0-9_.:/-]*$/;

function renderAll(s: DesiredState): string {
  const plan = buildPlan(s, allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(s)), () => undefined, { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 });
  const routes = renderRoutingChange(buildRouting(plan, ROPTS), { rules: [], routes: [], links: [] }, ROPTS);
  return [renderFullRebuild(plan, false), JSON.stringify(routes)].join('\n');
}

/** Paths of every string value in a JSON object. */
function stringPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'string') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringPaths(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...at, k]));
  return [];
}

function withValue(base: unknown, path: (string | number)[], value: string): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return copy;
}

const base = state([
  service('web', { name: 'web', addresses: [{ address: '198.51.100.10', family: 4 }, { address: 'fd00:aa::10', family: 6 }] }),
  service('tun', { encapsulation: 'ipip', backends: [{ id: 'b4', address: '203.0.113.7', weight: 1, enabled: true }] }),
]);
const paths = stringPaths(JSON.parse(JSON.stringify(base)));
const baseOut = renderAll(base);
const occurrences = (text: string, part: string) => text.split(part).length - 1;

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('fd00::1%eth0', 'fe80::1%lo', '198.51.100.10; flush ruleset', '198.51.100.10\nadd rule', 'fd00::1 dev eth0', '$(reboot)', '`id`', 'eth0', '../../etc', '1.2.3.4/0', '0x7f.1', '::ffff:127.0.0.1%1', 'a b', '"', "'", '{', '}', '#', '\\'),
  fc.tuple(fc.constantFrom('198.51.100.10', 'fd00:b::1', 'b1', 'web'), fc.constantFrom(';', '\n', '\r', ' ', '%eth0', '#', '"', '}', '\t', '\0')).map(([a, b]) => a + b),
);

describe('desired-state strings never reach a rendered command unvalidated', () => {
  it('covers every string field of the state', () => {
    expect(paths.length).toBeGreaterThan(15);
    expect(renderAll(base)).toContain('198.51.100.10');
  });

  it('a hostile value in any string field is refused by the schema, or is plain enough to print', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), hostile, (path, value) => {
        const parsed = desiredStateSchema.safeParse(withValue(JSON.parse(JSON.stringify(base)), path, value));
        if (!parsed.success) return;
        let out: string;
        try {
          out = renderAll(parsed.data);
        } catch {
          return; // a renderer that refuses is safe too
        }
        // Reached the output: it appears more often than in the base state's commands (where e.g. "198.51.100.10 " occurs anyway).
        const reached = value.length > 0 && occurrences(out, value) > occurrences(baseOut, value);
        if (reached) expect({ path: path.join('.'), value, safe: SAFE.test(value) }).toEqual({ path: path.join('.'), value, safe: true });
      }),
      { numRuns: 3000, seed: 9_001 },
    );
  });

  it('refuses IPv6 zone ids in every address field (they would name an interface in ip and nft)', () => {
    for (const path of paths.filter((p) => /address|tunnel_source_ipv6/.test(String(p[p.length - 1])))) {
      expect({ path: path.join('.'), ok: desiredStateSchema.safeParse(withValue(JSON.parse(JSON.stringify(base)), path, 'fd00::1%eth0')).success }).toEqual({ path: path.join('.'), ok: false });
    }
  });
});
