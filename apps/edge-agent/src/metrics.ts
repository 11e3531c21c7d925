import { Gauge, Histogram, Registry } from 'prom-client';
import { FLOW_COUNTERS, names, PACKET_COUNTERS } from '@anyfront/dataplane';
import type { Reconciler } from './reconciler';
import type { CounterValue } from './io/nft-client';
import { xdpCounterName } from './reports';

/**
 * Prometheus metrics. Traffic figures are read from the named nft counters at scrape time (one
 * `nft -j list counters` call), never by listing the ruleset. They are exposed as gauges because the
 * kernel owns the running totals (they reset when a counter object is recreated).
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly applyDuration = new Histogram({ name: 'anyfront_agent_apply_duration_seconds', help: 'Time to apply one desired state (render + nft + routes + persist + BIRD)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });

  private readonly readOk: Gauge;
  private readonly traffic: Record<'addrBytes' | 'addrPackets' | 'dropBytes' | 'dropPackets' | 'backendBytes' | 'backendPackets' | 'rejected', Gauge>;
  private readonly reconciler: Reconciler;
  private readonly flow: Record<'full' | 'flood' | 'syn' | 'underFlood', Gauge>;
  private readonly packets: Record<keyof typeof PACKET_COUNTERS, Gauge>;
  private lastFlowTotal: number | null = null;

  constructor(reconciler: Reconciler, private readonly readCounters: () => Promise<Map<string, CounterValue>>) {
    const r = [this.registry];
    new Gauge({ name: 'anyfront_agent_applied_generation', help: 'Generation of the desired state in force', registers: r, collect() { this.set(reconciler.generation); } });
    new Gauge({ name: 'anyfront_agent_announced', help: '1 while the pools are announced by BGP', registers: r, collect() { this.set(reconciler.announced ? 1 : 0); } });
    new Gauge({ name: 'anyfront_agent_programmed', help: '1 while the data plane matches the applied state', registers: r, collect() { this.set(reconciler.programmed ? 1 : 0); } });
    new Gauge({
      name: 'anyfront_agent_backend_healthy', help: '1 healthy, 0 unhealthy, -1 not checked yet', labelNames: ['service', 'backend'], registers: r,
      collect() {
        this.reset();
        // Health as programmed into the data plane (the plan), not a probe result still being applied.
        for (const s of reconciler.lastPlan?.services ?? []) for (const b of s.backends) {
          const h = b.healthy;
          this.set({ service: s.id, backend: b.id }, h === undefined ? -1 : h ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'anyfront_agent_service_failed', help: '1 for each service of the applied state this edge skipped because it cannot program it (reason in /v1/status)', labelNames: ['service'], registers: r,
      collect() {
        this.reset();
        for (const id of reconciler.failedServices.keys()) this.set({ service: id }, 1);
      },
    });
    new Gauge({
      name: 'anyfront_agent_kernel_capability', help: '1 when the kernel can program this feature (probed at start)', labelNames: ['capability'], registers: r,
      collect() {
        this.reset();
        for (const [k, v] of Object.entries(reconciler.capabilities ?? {})) this.set({ capability: k }, v ? 1 : 0);
      },
    });
    const traffic = {
      addrBytes: new Gauge({ name: 'anyfront_agent_address_bytes', help: 'Bytes received for an anycast address (nft counter plus XDP fast path counter)', labelNames: ['address'], registers: r }),
      addrPackets: new Gauge({ name: 'anyfront_agent_address_packets', help: 'Packets received for an anycast address', labelNames: ['address'], registers: r }),
      dropBytes: new Gauge({ name: 'anyfront_agent_listener_dropped_bytes', help: 'Bytes to an anycast address dropped because no listener matched', labelNames: ['address'], registers: r }),
      dropPackets: new Gauge({ name: 'anyfront_agent_listener_dropped_packets', help: 'Packets dropped because no listener matched', labelNames: ['address'], registers: r }),
      backendBytes: new Gauge({ name: 'anyfront_agent_backend_bytes', help: 'Bytes forwarded to a backend', labelNames: ['service', 'backend'], registers: r }),
      backendPackets: new Gauge({ name: 'anyfront_agent_backend_packets', help: 'Packets forwarded to a backend', labelNames: ['service', 'backend'], registers: r }),
      rejected: new Gauge({ name: 'anyfront_agent_rejected_packets', help: 'Packets refused (TCP reset / ICMP unreachable) because no backend was usable', labelNames: ['service'], registers: r }),
    };
    const flow = {
      full: new Gauge({ name: 'anyfront_agent_flow_table_full_packets', help: 'Packets whose new flow entry could not be created because the flow table was full (the hash alone placed them)', registers: r }),
      flood: new Gauge({ name: 'anyfront_agent_flow_flood_skipped_packets', help: 'New-flow packets above flood_new_flows_per_second: no flow entry created (the hash alone placed them)', registers: r }),
      syn: new Gauge({ name: 'anyfront_agent_syn_over_rate_packets', help: 'TCP SYNs above flood_new_flows_per_second (a SYN flood; SYNs never create flow entries)', registers: r }),
      underFlood: new Gauge({ name: 'anyfront_agent_flow_table_under_flood', help: '1 when the flow table was full or new flows/SYNs exceeded the flood rate since the previous scrape', registers: r }),
    };
    this.flow = flow;
    this.packets = {
      icmpForwarded: new Gauge({ name: 'anyfront_agent_icmp_forwarded_packets', help: 'ICMP errors (to the backend of the embedded flow) and echo requests (hashed by client) forwarded to a backend', registers: r }),
      icmpDropped: new Gauge({ name: 'anyfront_agent_icmp_dropped_packets', help: 'ICMP to an anycast address dropped (other types, an error not about TCP/UDP, no usable backend)', registers: r }),
      fragments: new Gauge({ name: 'anyfront_agent_fragments_dropped_packets', help: 'IP fragments to an anycast address dropped (no ports to place them by; the edge does not reassemble)', registers: r }),
    };
    this.readOk = new Gauge({ name: 'anyfront_agent_counter_read_ok', help: '1 when the last scrape could read the nft counters', registers: r });
    this.traffic = traffic;
    this.reconciler = reconciler;
  }

  /** One read of the kernel counters per scrape, shared by all traffic gauges. */
  async text(): Promise<string> {
    const counters = await this.readCounters().catch(() => null);
    const traffic = this.traffic;
    for (const g of Object.values(traffic)) g.reset();
    this.readOk.set(counters ? 1 : 0);
    if (counters) {
      const get = (n: string) => counters.get(n)?.packets ?? 0;
      const [full, flood, syn] = [get(FLOW_COUNTERS.full), get(FLOW_COUNTERS.flood), get(FLOW_COUNTERS.syn)];
      this.flow.full.set(full);
      this.flow.flood.set(flood);
      this.flow.syn.set(syn);
      // ICMP the XDP fast path forwarded never reached nft's counter.
      for (const [k, name] of Object.entries(PACKET_COUNTERS)) this.packets[k as keyof typeof PACKET_COUNTERS].set(get(name) + get(xdpCounterName(name)));
      const total = full + flood + syn;
      // Counters restart when the table is rebuilt: a smaller total is a restart, not a flood.
      this.flow.underFlood.set(this.lastFlowTotal !== null && total > this.lastFlowTotal ? 1 : 0);
      this.lastFlowTotal = total;
    }
    // Address and backend figures: nft's counter plus the XDP fast path's (what it forwarded).
    const both = (name: string): CounterValue | undefined => {
      const [n, x] = [counters?.get(name), counters?.get(xdpCounterName(name))];
      return n || x ? { bytes: (n?.bytes ?? 0) + (x?.bytes ?? 0), packets: (n?.packets ?? 0) + (x?.packets ?? 0) } : undefined;
    };
    for (const s of (counters && this.reconciler.lastPlan?.services) || []) {
      for (const a of s.addresses) {
        const c = both(names.addressCounter(a.address));
        if (c) { traffic.addrBytes.set({ address: a.address }, c.bytes); traffic.addrPackets.set({ address: a.address }, c.packets); }
        const d = counters!.get(names.dropCounter(a.address));
        if (d) { traffic.dropBytes.set({ address: a.address }, d.bytes); traffic.dropPackets.set({ address: a.address }, d.packets); }
      }
      for (const b of s.backends) {
        const c = both(names.backendCounter(b.mark));
        if (c) { traffic.backendBytes.set({ service: s.id, backend: b.id }, c.bytes); traffic.backendPackets.set({ service: s.id, backend: b.id }, c.packets); }
      }
      const rej = counters!.get(names.rejectCounter(s.key));
      if (rej) traffic.rejected.set({ service: s.id }, rej.packets);
    }
    return this.registry.metrics();
  }
}
