/**
 * Lab CLI: `npm run lab -- up|down|status`.
 *   up      removes a stale lab, builds a new one, prints the path of its lab.json
 *   down    stops every process the lab started and deletes its namespaces and files
 *   status  prints lab.json and whether each part is alive
 */
import { labJsonPath } from './paths';
import { labLiveness, readLab, startLab, stopLab } from './lab';

async function main(cmd: string | undefined): Promise<number> {
  const log = (m: string): void => { process.stderr.write(`[lab] ${m}\n`); };
  switch (cmd) {
    case 'up':
      await startLab({ log });
      process.stdout.write(`${labJsonPath()}\n`);
      return 0;
    case 'down':
      await stopLab(log);
      log('lab removed');
      return 0;
    case 'status': {
      const lab = readLab();
      process.stdout.write(`${JSON.stringify({ lab_json: labJsonPath(), lab, liveness: await labLiveness() }, null, 2)}\n`);
      return 0;
    }
    default:
      process.stderr.write('usage: npm run lab -- up|down|status\n');
      return 2;
  }
}

main(process.argv[2]).then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`[lab] ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
