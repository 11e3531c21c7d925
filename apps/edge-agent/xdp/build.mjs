// Builds the edge's XDP program (apps/edge-agent/xdp/*.c, *.h) with Debian's clang into
// dist/xdp/anyfront_xdp.o. Run by `npm test`, `npm start` and CI (via npm test) from source;
// the object is never committed. Rebuilds only when a source is newer than the object.
// `node apps/edge-agent/xdp/build.mjs` builds by hand; exit 1 when clang fails, 0 when clang is absent (skipped).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { arch } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const XDP_SOURCE_DIR = here;
export const XDP_OBJECT = path.resolve(here, '..', '..', '..', 'dist', 'xdp', 'anyfront_xdp.o');
/** Every top-level .c here is one program: anyfront_xdp.c (the fast path), af_pass.c (lab: XDP_PASS for a veth peer). */
const PROGRAMS = readdirSync(here).filter((f) => f.endsWith('.c'));

function hasClang() {
  try { execFileSync('sh', ['-c', 'command -v clang'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Debian keeps asm/ headers under the multiarch directory, which `-target bpf` does not search. */
function multiarchInclude() {
  const triple = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[arch()];
  return triple && existsSync(`/usr/include/${triple}`) ? [`-I/usr/include/${triple}`] : [];
}

/** @returns {{ ok: boolean, object: string, skipped?: string, error?: string }} */
export function buildXdp({ log = console.log } = {}) {
  if (!hasClang()) return { ok: false, object: XDP_OBJECT, skipped: 'clang is not installed (apt-get install clang llvm libbpf-dev)' };
  const sources = readdirSync(here).filter((f) => f.endsWith('.c') || f.endsWith('.h')).map((f) => path.join(here, f));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  mkdirSync(path.dirname(XDP_OBJECT), { recursive: true });
  for (const c of PROGRAMS) {
    const object = path.join(path.dirname(XDP_OBJECT), c.replace(/\.c$/, '.o'));
    if (existsSync(object) && statSync(object).mtimeMs >= newest) continue;
    const args = ['-O2', '-g', '-target', 'bpf', '-Wall', '-Werror', ...multiarchInclude(), '-c', path.join(here, c), '-o', object];
    const r = spawnSync('clang', args, { encoding: 'utf8' });
    if (r.status !== 0) return { ok: false, object: XDP_OBJECT, error: `clang ${args.join(' ')}\n${r.stderr}` };
    log(`[anyfront] built ${path.relative(process.cwd(), object)} (XDP)`);
  }
  return { ok: true, object: XDP_OBJECT };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = buildXdp();
  if (r.skipped) console.log(`[anyfront] XDP program not built: ${r.skipped}`);
  if (r.error) console.error(r.error);
  process.exit(r.error ? 1 : 0);
}
