// "No float in any money path": the lint rule for libs/billing (eslint.config.mjs) forbids every
// way a float can enter the lib's source. This test runs ESLint on the lib (no violations) and on a
// probe of forbidden constructs (each one caught), so the rule cannot silently disappear.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; line: number; message: string }[];
}

const PROBE = [
  'export const a = 0.1 * 3;',
  'export const b = 1e3;',
  'export const c = Math.round(2);',
  'export const d = parseFloat("1.5");',
  'export const e = Number.parseFloat("1.5");',
  'export const f = (1).toFixed(2);',
  'export const g = Number(5n);',
  'export const ok = (5n * 3n) / 2n;',
].join('\n');

// One ESLint process (outside Jest, which cannot load the ESM config) lints the lib and the probe;
// the report goes to a file because the Nx plugin prints warnings on stdout.
function lint(): { lib: LintResult[]; probe: LintResult[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'af-eslint-'));
  const out = path.join(dir, 'report.json');
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
      const lib = await eslint.lintFiles(['libs/billing/src']);
      const probe = await eslint.lintText(${JSON.stringify(PROBE)}, { filePath: 'libs/billing/src/probe.ts' });
      require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ lib, probe }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  try {
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`eslint failed: ${r.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('no floating point in libs/billing', () => {
  jest.setTimeout(120_000);
  let report: { lib: LintResult[]; probe: LintResult[] };
  beforeAll(() => {
    report = lint();
  });

  it('the lib source has no lint errors', () => {
    expect(report.lib.length).toBeGreaterThan(5);
    const errors = report.lib.flatMap((f) => f.messages.filter((m) => m.severity === 2).map((m) => `${path.relative(root, f.filePath)}:${m.line} ${m.message}`));
    expect(errors).toEqual([]);
  });

  it('every float construct in a money path is an error', () => {
    const lines = report.probe[0].messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
    expect([...new Set(lines)]).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
