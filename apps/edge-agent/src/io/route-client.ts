import { guardPriorities, guardSpec, type GuardInventory, type RoutingChange, type RoutingInventory } from '@anyfront/dataplane';
import { Executor, runChecked } from './exec';

type Row = Record<string, unknown>;

/** iproute2 I/O: reads rules/routes/links of our mark range with `ip -j`, applies changes with `ip -batch`. */
export class RouteClient {
  constructor(
    private readonly exec: Executor,
    /** Our mark range; rulePriority (default 1000) locates the loop guards at the five priorities after it. */
    private readonly range: { base: number; count: number; rulePriority?: number },
    private readonly devicePrefix: string,
    private readonly ip = 'ip',
  ) {}

  private inRange(n: number): boolean {
    return n >= this.range.base && n < this.range.base + this.range.count;
  }

  async inventory(): Promise<RoutingInventory> {
    const [r4, r6, t4, t6, links, sr] = await Promise.all([
      this.json(['-4', 'rule', 'show']),
      this.json(['-6', 'rule', 'show']),
      this.json(['-4', 'route', 'show', 'table', 'all']),
      this.json(['-6', 'route', 'show', 'table', 'all']),
      this.json(['-d', 'link', 'show']),
      this.json(['sr', 'tunsrc', 'show']).catch(() => []),
    ]);
    const rules = ([[4, r4], [6, r6]] as const).flatMap(([family, list]) =>
      list
        .filter((r) => typeof r.fwmark === 'string' && r.fwmask === undefined && this.inRange(Number(r.fwmark)))
        .map((r) => ({ family, mark: Number(r.fwmark), table: Number(r.table), priority: Number(r.priority) })),
    );
    const routes = ([[4, t4], [6, t6]] as const).flatMap(([family, list]) =>
      list
        .filter((r) => this.inRange(Number(r.table)))
        .map((r) => ({
          family, table: Number(r.table),
          // ip -j prints host routes without their length; our only non-default routes are /128 throws.
          dst: r.dst === 'default' || String(r.dst).includes('/') ? String(r.dst) : `${String(r.dst)}/${family === 4 ? 32 : 128}`,
          type: r.type as string | undefined, dev: r.dev as string | undefined, encap: r.encap as string | undefined, segs: r.segs as string[] | undefined,
        })),
    );
    const devRe = new RegExp(`^${this.devicePrefix}\\d+$`);
    const linkList = links
      .filter((l) => devRe.test(String(l.ifname)))
      .map((l) => {
        const info = l.linkinfo as { info_kind?: string; info_data?: { local?: string; remote?: string } } | undefined;
        return { name: String(l.ifname), kind: info?.info_kind, local: info?.info_data?.local, remote: info?.info_data?.remote };
      });
    const tunsrc = (sr[0] as { tunsrc?: string } | undefined)?.tunsrc;
    return { rules, routes, links: linkList, srTunsrc: tunsrc && tunsrc !== '::' ? tunsrc : undefined, guards: this.guards(r4, r6) };
  }

  /** Loop guards (libs/dataplane guards.ts): the rules at the guard priorities, spelled as the renderer spells them. */
  private guards(r4: Row[], r6: Row[]): GuardInventory {
    const prios = new Set(guardPriorities(this.range.rulePriority ?? 1000));
    const rules = ([[4, r4], [6, r6]] as const).flatMap(([family, list]) =>
      list.flatMap((r) => {
        const priority = Number(r.priority);
        if (!prios.has(priority)) return [];
        const mark = typeof r.fwmark === 'string' && typeof r.fwmask === 'string' ? { value: Number(r.fwmark), mask: Number(r.fwmask) } : null;
        let spec: string | null = null;
        if (mark && r.action === 'blackhole') spec = guardSpec.catchAll(mark, priority);
        else if (mark && r.table === 'main' && typeof r.src === 'string' && r.src !== 'all') spec = guardSpec.escape(r.src, mark, priority);
        else if (r.iif === 'lo' && typeof r.goto === 'number') spec = guardSpec.localSkip(r.goto, priority);
        else if (r.action === 'blackhole' && typeof r.dst === 'string' && r.dstlen !== undefined) spec = guardSpec.pool(`${r.dst}/${Number(r.dstlen)}`, priority);
        else if ('nop' in r) spec = guardSpec.nop(priority);
        return spec ? [{ family, priority, spec }] : [];
      }),
    );
    return { rules };
  }

  /** Additions (before nft starts using new marks). */
  async applyAdds(c: RoutingChange): Promise<void> {
    await this.batch([], c.pre);
    await this.batch(['-4'], c.v4);
    await this.batch(['-6'], c.v6);
  }

  /** Removals (after nft stopped using old marks). */
  async applyRemovals(c: RoutingChange): Promise<void> {
    await this.batch(['-4'], c.v4Del);
    await this.batch(['-6'], c.v6Del);
    await this.batch([], c.post);
  }

  private async batch(family: string[], lines: string[]): Promise<void> {
    if (!lines.length) return;
    await runChecked(this.exec, this.ip, [...family, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  private async json(args: string[]): Promise<Row[]> {
    const out = await runChecked(this.exec, this.ip, ['-j', ...args]);
    return out.trim() ? (JSON.parse(out) as Row[]) : [];
  }
}
