import type { NftInventory } from '@anyfront/dataplane';
import { Executor, runChecked } from './exec';

export interface CounterValue {
  packets: number;
  bytes: number;
}

/** nft I/O: apply one transaction, read a cheap inventory (terse, no map elements) and counters. Never lists the whole ruleset. */
export class NftClient {
  constructor(private readonly exec: Executor, private readonly table: string, private readonly nft = 'nft') {}

  async apply(script: string): Promise<void> {
    await runChecked(this.exec, this.nft, ['-f', '-'], { input: script });
  }

  /**
   * Chains and (terse) sets/maps of our table: cheap reads. `list tables` and `list counters` are
   * avoided here because nft 1.0.6 fetches every set element for them (~0.6 s at 256 services).
   */
  async inventory(): Promise<NftInventory> {
    const ours = (o: Record<string, unknown>, kind: string) => {
      const v = o[kind] as { table?: string; name?: string } | undefined;
      return v && v.table === this.table ? [v.name as string] : [];
    };
    const [chains, sets, maps] = await Promise.all([
      this.json(['-t', 'list', 'chains', 'inet']),
      this.json(['-t', 'list', 'sets', 'inet']),
      this.json(['-t', 'list', 'maps', 'inet']),
    ]);
    const chainNames = new Set(chains.flatMap((o) => ours(o, 'chain')));
    const setNames = new Set([...sets.flatMap((o) => ours(o, 'set')), ...maps.flatMap((o) => ours(o, 'map'))]);
    return { tableExists: chainNames.size + setNames.size > 0, chains: chainNames, sets: setNames };
  }

  /** Every named counter of the table in one read (one process; nft fetches its whole cache for it). */
  async counters(): Promise<Map<string, CounterValue>> {
    const out = new Map<string, CounterValue>();
    const list = await this.json(['list', 'counters', 'table', 'inet', this.table]).catch(() => []);
    for (const o of list) {
      const c = o.counter as { name: string; packets: number; bytes: number } | undefined;
      if (c) out.set(c.name, { packets: c.packets, bytes: c.bytes });
    }
    return out;
  }

  async deleteTable(): Promise<void> {
    await this.exec.run(this.nft, ['delete', 'table', 'inet', this.table]);
  }

  private async json(args: string[]): Promise<Record<string, unknown>[]> {
    const out = await runChecked(this.exec, this.nft, ['-j', ...args]);
    if (!out.trim()) return [];
    return ((JSON.parse(out) as { nftables?: Record<string, unknown>[] }).nftables ?? []);
  }
}
