import type { RoutingChange, RoutingInventory } from '@anyfront/dataplane';
import { Executor, runChecked } from './exec';

/** iproute2 I/O: reads rules/routes/links of our mark range with `ip -j`, applies changes with `ip -batch`. */
export class RouteClient {
  constructor(
    private readonly exec: Executor,
    private readonly range: { base: number; count: number },
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
        .filter((r) => typeof r.fwmark === 'string' && this.inRange(Number(r.fwmark)))
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
    return { rules, routes, links: linkList, srTunsrc: tunsrc && tunsrc !== '::' ? tunsrc : undefined };
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

  private async json(args: string[]): Promise<Record<string, unknown>[]> {
    const out = await runChecked(this.exec, this.ip, ['-j', ...args]);
    return out.trim() ? (JSON.parse(out) as Record<string, unknown>[]) : [];
  }
}
