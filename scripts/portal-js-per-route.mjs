// JS per route of the built portal (`next build` output in apps/portal/.next): for each page, the
// scripts a first visit downloads (Next's root main files plus the page's and its layouts' client
// chunks, from the client-reference manifests), raw and gzip. Next 16 (Turbopack) no longer prints
// sizes in its route table, so this reads the manifests. Usage: node scripts/portal-js-per-route.mjs
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'apps', 'portal', '.next');
if (!existsSync(path.join(dist, 'BUILD_ID'))) {
  console.error('no portal build: run node scripts/web-build.mjs portal first');
  process.exit(1);
}

function* manifests(dir) {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) yield* manifests(p);
    else if (e === 'page_client-reference-manifest.js') yield p;
  }
}

const rootMain = JSON.parse(readFileSync(path.join(dist, 'build-manifest.json'), 'utf8')).rootMainFiles ?? [];
const size = new Map();
const sizeOf = (f) => {
  if (!size.has(f)) {
    const buf = readFileSync(path.join(dist, f));
    size.set(f, { raw: buf.length, gzip: gzipSync(buf).length });
  }
  return size.get(f);
};

const rows = [];
for (const file of manifests(path.join(dist, 'server', 'app'))) {
  const g = { __RSC_MANIFEST: {} };
  new Function('globalThis', readFileSync(file, 'utf8').replace(/\bglobalThis\b/g, 'globalThis'))(g);
  for (const m of Object.values(g.__RSC_MANIFEST)) {
    const entries = m.entryJSFiles ?? {};
    const page = Object.keys(entries).find((k) => k.endsWith('/page'));
    if (!page) continue;
    const files = new Set(rootMain);
    // The page and the layouts above it (their keys are prefixes of the page's folder).
    const dir = page.slice(0, -'/page'.length);
    for (const [k, fs] of Object.entries(entries)) if (k === page || (k.endsWith('/layout') && dir.startsWith(k.slice(0, -'/layout'.length)))) for (const f of fs) files.add(f);
    const route = '/' + dir.replace(/^.*\/src\/app\/?/, '').split('/').filter((s) => !/^\(.*\)$/.test(s)).join('/');
    const t = [...files].filter((f) => f.endsWith('.js')).reduce((a, f) => { const s = sizeOf(f); return { raw: a.raw + s.raw, gzip: a.gzip + s.gzip }; }, { raw: 0, gzip: 0 });
    rows.push({ route: route === '/' ? '/' : route.replace(/\/$/, ''), ...t });
  }
}
rows.sort((a, b) => a.route.localeCompare(b.route));
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
console.log('| route | JS (raw) | JS (gzip) |\n|---|---|---|');
for (const r of rows) console.log(`| \`${r.route}\` | ${kb(r.raw)} | ${kb(r.gzip)} |`);
