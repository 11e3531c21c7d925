import { isDeepStrictEqual } from 'node:util';
import * as ipaddr from 'ipaddr.js';
import { names, PACKET_COUNTERS, type DataplanePlan, type TunnelSources } from '@anyfront/dataplane';
import { CommandError } from '../io/exec';
import type { CounterValue } from '../io/nft-client';
import { xdpCounterName } from '../reports';
import { BpfTool, MapOp } from './bpftool';

/** A failure in a few words: the command's first words and what it printed (bpftool's commands are long). */
function why(e: unknown): string {
  const text = e instanceof CommandError ? `${e.cmd.split(' ').slice(0, 3).join(' ')}: ${e.stderr.trim()}` : (e as Error).message;
  return text.slice(0, 500);
}
import { AF, backendValue, configValue, desiredXdp, maglevKey, u32, vipKey, vipMeta, XdpConfig } from './layout';

const ZERO_COUNTER = Buffer.alloc(16);

export interface XdpFastPathOptions {
  /** Device to attach to; null = load and program only (BPF_PROG_TEST_RUN tests, benchmarks). */
  device: string | null;
  mode: 'xdp' | 'xdpgeneric';
  object: string;
  config: Omit<XdpConfig, 'sourceV4' | 'sourceV6'>;
}

export interface XdpLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * The XDP fast path in front of the nft path (issue 13). The nft path stays fully programmed;
 * this only decides which packets the XDP program may carry. Anything it does not carry (a service
 * it cannot handle, a VIP not written yet, a map miss) is passed to the kernel, so a failure here
 * never blackholes: it detaches and the edge runs on nft alone.
 *
 * Like Katran's KatranLb, it keeps its own view of every map and writes only differences, in one
 * bpftool batch per apply. A service's Maglev table changes atomically: the new table goes into the
 * half that is not in force (only the buckets that differ from what that half held), then each VIP
 * entry flips to it with one map update.
 */
export class XdpFastPath {
  attached = false;
  /** Why the fast path is off on this edge (null while attached). */
  reason: string | null = 'not started';
  /** Services the fast path leaves to nft, with the reason. */
  skipped = new Map<string, string>();
  private readonly slots = new Map<string, number>();
  private readonly halves = new Map<string, 0 | 1>();
  /** Content of each half of each service slot: [half 0, half 1] (bucket -> backend slot). */
  private readonly tables = new Map<number, [Uint32Array | null, Uint32Array | null]>();
  private readonly vips = new Map<string, string>();
  private readonly backends = new Map<number, string>();
  /**
   * Each anycast address's slot in af_vip_stats, by its nft counter name (names.addressCounter).
   * Kept while the address is in the plan, recovered from the pinned VIP map at start, so a
   * restart continues the counters; a slot given to another address is zeroed first.
   */
  private readonly vipStats = new Map<string, number>();
  private markBase: number | null = null;
  /** True once program and maps are loaded: counters are readable (also after a detach). */
  loaded = false;
  private config: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly bpf: BpfTool, private readonly opts: XdpFastPathOptions, private readonly log: XdpLogger) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads (reusing pinned maps: flows survive a restart), clears the VIP map (until the first apply
   * every packet passes to nft, which is programmed) and attaches. False when this kernel or device
   * cannot: the reason is kept and reported, and the edge stays on nft.
   */
  start(): Promise<boolean> {
    return this.serial(async () => {
      try {
        // A restart after a stop (datapath switched back to xdp): the VIP map is cleared below, so
        // every entry is written again (service slots and tables from scratch; counter slots kept).
        this.slots.clear();
        this.halves.clear();
        this.tables.clear();
        this.vips.clear();
        this.backends.clear();
        this.config = null;
        await this.bpf.ensureBpffs();
        const { replaced } = await this.bpf.load(this.opts.object);
        if (replaced.length) this.log.warn({ maps: replaced }, 'pinned XDP maps of an older layout replaced by empty ones');
        this.loaded = true;
        const old = await this.bpf.dump('af_vips');
        for (const e of old) {
          const family = e.key.readUInt8(16);
          const address = ipaddr.fromByteArray([...e.key.subarray(0, family === 4 ? 4 : 16)]).toString();
          const meta = e.values[0];
          if (meta && meta.length >= 72) this.vipStats.set(names.addressCounter(address), meta.readUInt32LE(68));
        }
        await this.bpf.batch(old.map((e) => ({ map: 'af_vips', key: e.key })));
        if (this.opts.device) await this.bpf.attach(this.opts.device, this.opts.mode);
        this.attached = true;
        this.reason = null;
        this.log.info({ device: this.opts.device, mode: this.opts.mode }, 'XDP fast path attached');
      } catch (e) {
        this.attached = false;
        this.reason = why(e);
        this.log.warn({ err: this.reason }, 'XDP fast path unavailable: the nft path carries everything');
        if (this.opts.device) await this.bpf.detach(this.opts.device).catch(() => undefined);
      }
      return this.attached;
    });
  }

  /** Detaches the program (traffic takes the nft path at once); pinned maps stay. */
  stop(): Promise<void> {
    return this.serial(async () => {
      if (this.opts.device) await this.bpf.detach(this.opts.device);
      this.attached = false;
      this.reason = 'stopped';
    });
  }

  /** Programs the maps for an applied plan. On failure detaches (nft carries on) and rethrows. */
  apply(plan: DataplanePlan, sources: TunnelSources): Promise<{ ops: number }> {
    return this.serial(async () => {
      if (!this.attached) return { ops: 0 };
      const ops = this.render(plan, sources);
      try {
        await this.bpf.batch(ops.ops);
        ops.commit();
        return { ops: ops.ops.length };
      } catch (e) {
        this.attached = false;
        this.reason = `map update failed: ${why(e)}`;
        if (this.opts.device) await this.bpf.detach(this.opts.device).catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * What the program forwarded, per anycast address and backend, under the nft counter's name with
   * the XDP prefix (xdpCounterName): per-CPU values summed. One bpftool process reads every slot in
   * use; empty before the first apply.
   */
  counters(): Promise<Map<string, CounterValue>> {
    return this.serial(async () => {
      const out = new Map<string, CounterValue>();
      if (!this.loaded || this.markBase === null) return out;
      const markBase = this.markBase;
      const wanted: { name: string; map: 'af_vip_stats' | 'af_backend_stats' | 'af_counters'; slot: number }[] = [
        ...[...this.vipStats].map(([name, slot]) => ({ name, map: 'af_vip_stats' as const, slot })),
        ...[...this.backends.keys()].map((slot) => ({ name: names.backendCounter(markBase + slot), map: 'af_backend_stats' as const, slot })),
        { name: PACKET_COUNTERS.icmpForwarded, map: 'af_counters', slot: AF.counters.indexOf('icmp') },
      ];
      const values = await this.bpf.lookupPerCpu(wanted.map((w) => ({ map: w.map, key: u32(w.slot) })));
      wanted.forEach((w, i) => {
        let packets = 0;
        let bytes = 0;
        for (const v of values[i] ?? []) {
          packets += Number(v.readBigUInt64LE(0));
          if (v.length >= 16) bytes += Number(v.readBigUInt64LE(8)); // af_counters: packets only
        }
        out.set(xdpCounterName(w.name), { packets, bytes });
      });
      return out;
    });
  }

  /** The map operations that take the maps from this object's view to the plan; `commit` records them as done. */
  render(plan: DataplanePlan, sources: TunnelSources): { ops: MapOp[]; commit: () => void } {
    const d = desiredXdp(plan);
    const ops: MapOp[] = [];
    const after: (() => void)[] = [];
    const later: MapOp[] = [];

    const cfg = configValue({ ...this.opts.config, sourceV4: sources.ipv4, sourceV6: sources.ipv6 });
    if (cfg.toString('hex') !== this.config) {
      ops.push({ map: 'af_config', key: u32(0), value: cfg });
      after.push(() => { this.config = cfg.toString('hex'); });
    }

    // Service slots: kept while the service exists; freed ones are reused.
    const slots = new Map(this.slots);
    const wanted = new Set(d.services.map((s) => s.id));
    for (const id of [...slots.keys()]) if (!wanted.has(id)) slots.delete(id);
    const used = new Set(slots.values());
    let next = 0;
    for (const s of d.services) {
      if (slots.has(s.id)) continue;
      while (used.has(next)) next++;
      if (next >= AF.maxServices) throw new Error(`more than ${AF.maxServices} services for the XDP fast path`);
      slots.set(s.id, next);
      used.add(next);
    }

    // Backends first (a table may only name written backends), removed ones cleared last.
    const beWanted = new Map<number, string>();
    for (const [slot, b] of d.backends) {
      if (slot >= AF.maxBackends) throw new Error(`backend slot ${slot} exceeds the XDP map (${AF.maxBackends})`);
      beWanted.set(slot, backendValue({ ...b, service: slots.get(b.serviceId) as number }).toString('hex'));
    }
    for (const [slot, v] of beWanted) if (this.backends.get(slot) !== v) ops.push({ map: 'af_backends', key: u32(slot), value: Buffer.from(v, 'hex') });
    // A removed backend's counter is zeroed after its slot is cleared (nothing counts on it any more),
    // as nft deletes its counter: a later backend on the slot starts from zero.
    for (const slot of this.backends.keys()) {
      if (!beWanted.has(slot)) later.push({ map: 'af_backends', key: u32(slot), value: backendValue(null) }, { map: 'af_backend_stats', key: u32(slot), value: ZERO_COUNTER });
    }

    // Address counter slots: kept per address; a new one takes the lowest free slot, zeroed before
    // its VIP entry names it (the reports take the whole value of a counter they have not seen).
    const vipStats = new Map<string, number>();
    const wantedAddrs = new Set(d.services.flatMap((s) => s.vips.map((v) => names.addressCounter(v.address))));
    for (const [name, slot] of this.vipStats) if (wantedAddrs.has(name)) vipStats.set(name, slot);
    const statsUsed = new Set(vipStats.values());
    let nextStats = 0;
    for (const name of wantedAddrs) {
      if (vipStats.has(name)) continue;
      while (statsUsed.has(nextStats)) nextStats++;
      if (nextStats >= AF.maxVips) throw new Error(`more than ${AF.maxVips} anycast addresses for the XDP fast path`);
      vipStats.set(name, nextStats);
      statsUsed.add(nextStats);
      ops.push({ map: 'af_vip_stats', key: u32(nextStats), value: ZERO_COUNTER });
    }

    const vipWanted = new Map<string, string>();
    const halves = new Map(this.halves);
    const tables = new Map([...this.tables].map(([k, v]) => [k, [...v] as [Uint32Array | null, Uint32Array | null]]));
    for (const s of d.services) {
      const slot = slots.get(s.id) as number;
      const fresh = this.slots.get(s.id) !== slot;
      let half = fresh ? 1 : (halves.get(s.id) ?? 1);
      const held = tables.get(slot) ?? [null, null];
      if (fresh || !isDeepStrictEqual(held[half], s.table)) {
        const target = (half ^ 1) as 0 | 1;
        const before = fresh ? null : held[target];
        for (let b = 0; b < s.table.length; b++) {
          const v = s.table[b] ?? AF.noSlot;
          if (before && before.length === s.table.length && before[b] === v) continue;
          ops.push({ map: 'af_maglev', key: maglevKey(slot, target, b), value: u32(v) });
        }
        held[target] = s.table;
        half = target;
      }
      tables.set(slot, held);
      halves.set(s.id, half);
      for (const v of s.vips) vipWanted.set(v.address, vipMeta({ ...v.meta, service: slot, flags: v.meta.flags | (half ? AF.vipHalf : 0), stats: vipStats.get(names.addressCounter(v.address)) as number }).toString('hex'));
    }
    // The flips: one update per VIP.
    for (const [addr, v] of vipWanted) if (this.vips.get(addr) !== v) ops.push({ map: 'af_vips', key: vipKey(addr), value: Buffer.from(v, 'hex') });
    for (const addr of this.vips.keys()) if (!vipWanted.has(addr)) ops.push({ map: 'af_vips', key: vipKey(addr) });
    ops.push(...later);
    for (const id of halves.keys()) if (!slots.has(id)) halves.delete(id);
    for (const k of tables.keys()) if (![...slots.values()].includes(k)) tables.delete(k);

    return {
      ops,
      commit: () => {
        for (const f of after) f();
        this.slots.clear();
        for (const [k, v] of slots) this.slots.set(k, v);
        this.halves.clear();
        for (const [k, v] of halves) this.halves.set(k, v);
        this.tables.clear();
        for (const [k, v] of tables) this.tables.set(k, v);
        this.vips.clear();
        for (const [k, v] of vipWanted) this.vips.set(k, v);
        this.backends.clear();
        for (const [k, v] of beWanted) this.backends.set(k, v);
        this.vipStats.clear();
        for (const [k, v] of vipStats) this.vipStats.set(k, v);
        this.markBase = plan.markBase;
        this.skipped = d.skipped;
      },
    };
  }
}
