// `npm run bench`: runs every benchmark file (<project>/bench/*.bench.ts) one after another; each
// prints its own figures and ratios against a baseline measured in the same run.
// `npm run bench -- maglev` runs only the files whose path contains "maglev".
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ensureInstalled, root } from './services.mjs';

ensureInstalled();
const filter = process.argv[2];
const files = [];
for (const group of ['libs', 'apps', 'infra']) {
  for (const project of readdirSync(path.join(root, group))) {
    const dir = path.join(root, group, project, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.bench.ts')) files.push(path.join(group, project, 'bench', f));
  }
}
let failed = 0;
for (const file of files.filter((f) => !filter || f.includes(filter))) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, ['-r', './scripts/register.js', file], { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) { failed++; console.log(`(${file} exited with ${r.status})`); }
}
process.exit(failed ? 1 : 0);
