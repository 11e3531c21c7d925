import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor, runChecked } from '../io/exec';
import { MAP_NAMES, MAP_SHAPES, MapName } from './layout';

const hex = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * The agent's hands on BPF: bpftool (Debian's, JSON output) run as a child process, like nft and
 * ip. No npm BPF binding works on Node 20 without native code we would have to maintain; bpftool is
 * the kernel's own tool. Objects live pinned under `pinDir` on a bpffs: the program at `prog`, each
 * map at `maps/<name>`, so an agent restart neither detaches the program nor empties the flow table.
 * `wrap` prefixes every command (tests run bpftool inside a private mount namespace with nsenter).
 */
export class BpfTool {
  constructor(
    private readonly exec: Executor,
    readonly pinDir: string,
    private readonly opts: { bpftool?: string; wrap?: string[] } = {},
  ) {}

  private cmd(args: string[]): [string, string[]] {
    const wrap = this.opts.wrap ?? [];
    const all = [...wrap, this.opts.bpftool ?? 'bpftool', ...args];
    return [all[0] ?? 'bpftool', all.slice(1)];
  }

  private run(args: string[], input?: string): Promise<string> {
    const [c, a] = this.cmd(args);
    return runChecked(this.exec, c, a, { input, timeoutMs: 300_000 });
  }

  mapPath(name: MapName): string {
    return join(this.pinDir, 'maps', name);
  }
  get progPath(): string {
    return join(this.pinDir, 'prog');
  }

  /**
   * Makes the pin directory usable: on a bpffs (mounted on its parent, /sys/fs/bpf, when that is not
   * one yet, as systemd does; or on the directory itself when it exists elsewhere), with maps/ in it.
   */
  async ensureBpffs(): Promise<void> {
    const d = `'${this.pinDir}'`;
    const fs = (p: string) => `"$(stat -f -c %T ${p} 2>/dev/null)"`;
    await this.shell([
      `if [ ! -d ${d} ]; then p=$(dirname ${d}); [ ${fs('"$p"')} = bpf_fs ] || mount -t bpf bpf "$p"; mkdir -p ${d}; fi`,
      `[ ${fs(d)} = bpf_fs ] || mount -t bpf bpf ${d}`,
      `mkdir -p ${d}/maps`,
    ].join('\n'));
  }

  private async shell(script: string): Promise<string> {
    const all = [...(this.opts.wrap ?? []), 'sh', '-ec', script];
    return runChecked(this.exec, all[0] ?? 'sh', all.slice(1));
  }

  async pinned(path: string): Promise<boolean> {
    return this.shell(`test -e '${path}'`).then(() => true, () => false);
  }

  /**
   * Loads the object and pins program and maps. Maps already pinned (a previous agent's) are reused,
   * so their contents (flows, tables, counters) survive a restart or a program upgrade; a pinned map
   * whose shape differs from the object's (an upgrade changed its layout: MAP_SHAPES) is replaced by
   * a fresh one (the running program keeps the old one until the new program is attached over it).
   */
  async load(object: string): Promise<{ replaced: MapName[] }> {
    const reuse: string[] = [];
    const replaced: MapName[] = [];
    for (const m of MAP_NAMES) {
      if (!(await this.pinned(this.mapPath(m)))) continue;
      const info = JSON.parse(await this.run(['-j', 'map', 'show', 'pinned', this.mapPath(m)])) as { type: string; bytes_key: number; bytes_value: number; max_entries: number };
      const want = MAP_SHAPES[m];
      if (info.type === want.type && info.bytes_key === want.key && info.bytes_value === want.value && info.max_entries === want.entries) {
        reuse.push('map', 'name', m, 'pinned', this.mapPath(m));
      } else {
        await this.unpin(this.mapPath(m));
        replaced.push(m);
      }
    }
    const tmp = `${this.progPath}_new`; // bpffs names may not contain dots
    // libbpf pins every map, reused ones too (EEXIST on their pins): pin into a fresh directory and
    // move only the new maps' pins over.
    const fresh = join(this.pinDir, 'maps_new');
    await this.unpin(tmp);
    await this.unpin(fresh);
    await this.run(['prog', 'load', object, tmp, 'type', 'xdp', ...reuse, 'pinmaps', fresh]);
    await this.shell([
      ...MAP_NAMES.map((m) => `[ -e '${this.mapPath(m)}' ] || mv '${join(fresh, m)}' '${this.mapPath(m)}'`),
      `rm -rf '${fresh}'`,
      `rm -f '${this.progPath}' && mv '${tmp}' '${this.progPath}'`,
    ].join('\n'));
    return { replaced };
  }

  async unpin(path: string): Promise<void> {
    await this.shell(`rm -rf '${path}'`);
  }

  /** Attaches (or atomically replaces) the pinned program on a device; `mode` xdp = native driver, xdpgeneric = skb. */
  async attach(device: string, mode: 'xdp' | 'xdpgeneric' = 'xdp'): Promise<void> {
    await this.run(['net', 'attach', mode, 'pinned', this.progPath, 'dev', device, 'overwrite']);
  }

  async detach(device: string): Promise<void> {
    for (const mode of ['xdp', 'xdpgeneric']) {
      const [c, a] = this.cmd(['net', 'detach', mode, 'dev', device]);
      await this.exec.run(c, a);
    }
  }

  /** Program id attached to a device, if any. */
  async attachedId(device: string): Promise<number | null> {
    const out = JSON.parse(await this.run(['-j', 'net', 'show', 'dev', device])) as { xdp?: { devname: string; id: number }[] }[];
    return out[0]?.xdp?.find((x) => x.devname === device)?.id ?? null;
  }

  /** Many map updates in one bpftool process (`bpftool batch`), in order. */
  async batch(updates: readonly MapOp[]): Promise<void> {
    if (!updates.length) return;
    const lines = updates.map((u) =>
      u.value ? `map update pinned ${this.mapPath(u.map)} key hex ${hex(u.key)} value hex ${hex(u.value)}` : `map delete pinned ${this.mapPath(u.map)} key hex ${hex(u.key)}`,
    );
    const chunk = 20_000;
    for (let i = 0; i < lines.length; i += chunk) await this.run(['batch', 'file', '-'], `${lines.slice(i, i + chunk).join('\n')}\n`);
  }

  /** Per-CPU values of many keys of per-CPU maps in one bpftool process (JSON batch), in order. */
  async lookupPerCpu(keys: readonly { map: MapName; key: Buffer }[]): Promise<Buffer[][]> {
    const out: Buffer[][] = [];
    const chunk = 20_000;
    for (let i = 0; i < keys.length; i += chunk) {
      const lines = keys.slice(i, i + chunk).map((k) => `map lookup pinned ${this.mapPath(k.map)} key hex ${hex(k.key)}`);
      // One JSON array: [{command, output: {key, values: [{cpu, value: ["0x..", ...]}]}}, ...]
      const res = JSON.parse(await this.run(['-j', 'batch', 'file', '-'], `${lines.join('\n')}\n`)) as { output?: { values?: { cpu: number; value: string[] }[] } }[];
      if (res.length !== lines.length) throw new Error(`bpftool batch answered ${res.length} of ${lines.length} lookups`);
      for (const r of res) {
        if (!r.output?.values) throw new Error(`bpftool lookup answered without per-CPU values: ${JSON.stringify(r).slice(0, 200)}`);
        out.push(r.output.values.map((v) => Buffer.from(v.value.map((x) => parseInt(x, 16)))));
      }
    }
    return out;
  }

  /** Every entry of a map, per-CPU values as one buffer per CPU. */
  async dump(map: MapName): Promise<{ key: Buffer; values: Buffer[] }[]> {
    const out = JSON.parse(await this.run(['-j', 'map', 'dump', 'pinned', this.mapPath(map)])) as { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] }[];
    const buf = (a: string[]) => Buffer.from(a.map((x) => parseInt(x, 16)));
    return out.map((e) => ({ key: buf(e.key), values: e.values ? e.values.map((v) => buf(v.value)) : [buf(e.value ?? [])] }));
  }

  /** BPF_PROG_TEST_RUN: one packet through the pinned program. */
  async testRun(packet: Buffer, repeat = 1): Promise<{ retval: number; out: Buffer; durationNs: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'afx-run-'));
    try {
      await writeFile(join(dir, 'in'), packet);
      const r = JSON.parse(await this.run(['-j', 'prog', 'run', 'pinned', this.progPath, 'data_in', join(dir, 'in'), 'data_out', join(dir, 'out'), 'repeat', String(repeat)])) as { retval: number; duration: number };
      return { retval: r.retval, durationNs: r.duration, out: await readFile(join(dir, 'out')).catch(() => Buffer.alloc(0)) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export interface MapOp {
  map: MapName;
  key: Buffer;
  /** Absent: delete. */
  value?: Buffer;
}
