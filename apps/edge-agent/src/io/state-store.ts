import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredState } from '@anyfront/contracts';
import type { AppliedSummary, MarkAllocation } from '@anyfront/dataplane';

export interface PersistedState {
  /** Last desired state that was fully applied. */
  state: DesiredState;
  summary: AppliedSummary;
  marks: MarkAllocation;
  /** Last known backend health ("service/backend" -> healthy), so a restart renders the same buckets. */
  health?: Record<string, boolean>;
  /** Ownership proofs this edge has ("service/backend" -> binding), so a restart does not take verified backends out. */
  verified?: Record<string, string>;
}

/** Last good state + mark allocation in the state dir, written atomically (tmp + rename). */
export class StateStore {
  constructor(private readonly dir: string) {}

  async load(): Promise<PersistedState | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'state.json'), 'utf8')) as PersistedState;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async save(s: PersistedState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, 'state.json');
    await writeFile(`${file}.tmp`, JSON.stringify(s));
    await rename(`${file}.tmp`, file);
  }
}
