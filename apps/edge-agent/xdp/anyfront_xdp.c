// SPDX-License-Identifier: GPL-2.0
/* Anyfront edge fast path (issue 13): VIP + listener match -> flow table -> Maglev bucket ->
 * backend -> tunnel header -> next hop MACs -> XDP_TX / XDP_REDIRECT. Whatever this program does
 * not handle goes to the kernel unchanged (XDP_PASS), where the nft path handles it as before:
 * IP options, fragments, extension headers, ICMP other than echo requests and errors about TCP/UDP
 * flows, non-listener ports (nft drops and counts them),
 * flows without a usable backend (nft rejects them), unresolved next hops, unknown encapsulations.
 * Stages live in the af_*.h headers (Katran's layout). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "af_consts.h"
#include "af_structs.h"
#include "af_maps.h"
#include "af_parse.h"
#include "af_hash.h"
#include "af_flow.h"
#include "af_encap.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

static __always_inline int af_listener_match(const struct af_vip_meta *vip, const struct af_packet *p) {
  __u16 port = bpf_ntohs(p->flow.dport);
#pragma unroll
  for (int i = 0; i < AF_MAX_LISTENERS; i++) {
    if (i >= vip->n_listeners) break;
    const struct af_listener *l = &vip->listeners[i];
    if (l->proto == p->flow.proto && port >= l->port_from && port <= l->port_to) return 1;
  }
  return 0;
}

static __always_inline void af_add(void *map, __u32 idx, __u32 bytes) {
  struct af_counter *c = bpf_map_lookup_elem(map, &idx);
  if (c) {
    c->packets += 1;
    c->bytes += bytes;
  }
}

static __always_inline int af_pass(void) {
  af_count(AF_CNT_PASS);
  return XDP_PASS;
}

SEC("xdp")
int anyfront_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct af_packet p = {};
  if (af_parse(data, data_end, &p)) return af_pass();

  struct af_vip_key vk = {.family = p.flow.family};
  __builtin_memcpy(vk.addr, p.daddr, 16);
  struct af_vip_meta *vip = bpf_map_lookup_elem(&af_vips, &vk);
  /* ICMP comes before the listener filter on the nft path too */
  if (!vip || (p.icmp == AF_ICMP_NONE && !af_listener_match(vip, &p))) return af_pass();

  __u32 zero = 0;
  struct af_config *cfg = bpf_map_lookup_elem(&af_config, &zero);
  if (!cfg) return af_pass();

  __u8 hop_limit = af_outer_hop_limit(&p);
  if (!hop_limit) return af_pass();

  __u32 slot = p.icmp ? af_choose_icmp(&p, vip, cfg) : af_choose_backend(&p, vip, cfg);
  if (slot == AF_NO_SLOT) {
    af_count(AF_CNT_NO_BACKEND);
    return af_pass();
  }
  struct af_backend *be = bpf_map_lookup_elem(&af_backends, &slot);
  if (!be || !af_encap_len(be)) return af_pass();

  /* Next hop of the outer packet, resolved before the packet is touched: a miss (no route, neighbour
   * not resolved yet) passes the original packet to the kernel, which resolves it. */
  __u8 smac[6], dmac[6];
  __u32 out_ifindex = ctx->ingress_ifindex;
  if (cfg->flags & AF_CFG_STATIC_NEXTHOP) {
    __builtin_memcpy(smac, cfg->smac, 6);
    __builtin_memcpy(dmac, cfg->dmac, 6);
  } else {
    struct bpf_fib_lookup fib = {};
    fib.ifindex = ctx->ingress_ifindex;
    fib.tot_len = p.l3_len + af_encap_len(be);
    if (be->family == 6) {
      fib.family = AF_INET6;
      __builtin_memcpy(fib.ipv6_src, cfg->src6, 16);
      __builtin_memcpy(fib.ipv6_dst, be->addr, 16);
    } else {
      fib.family = AF_INET;
      fib.ipv4_src = cfg->src4;
      fib.ipv4_dst = be->addr[0];
    }
    if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS) {
      af_count(AF_CNT_NO_ROUTE);
      return af_pass();
    }
    __builtin_memcpy(smac, fib.smac, 6);
    __builtin_memcpy(dmac, fib.dmac, 6);
    out_ifindex = fib.ifindex;
    if (out_ifindex != ctx->ingress_ifindex && !bpf_map_lookup_elem(&af_tx_ports, &out_ifindex)) {
      af_count(AF_CNT_NO_ROUTE);
      return af_pass();
    }
  }

  __u32 vip_stats = vip->stats;
  __u32 l3 = p.l3_len;
  if (af_encap(ctx, &p, be, cfg, hop_limit)) return XDP_ABORTED; /* head already moved: cannot pass */
  data = (void *)(long)ctx->data;
  data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_ABORTED;
  __builtin_memcpy(eth->h_source, smac, 6);
  __builtin_memcpy(eth->h_dest, dmac, 6);

  /* Forwarded packets are counted here and only here (they never reach nft); passed ones only by
   * nft's counters: the agent adds the two up per address and backend for traffic reports. */
  af_add(&af_vip_stats, vip_stats, l3);
  af_add(&af_backend_stats, slot, l3);
  if (p.icmp) af_count(AF_CNT_ICMP);
  if (out_ifindex == ctx->ingress_ifindex) {
    af_count(AF_CNT_TX);
    return XDP_TX;
  }
  af_count(AF_CNT_REDIRECT);
  return bpf_redirect_map(&af_tx_ports, out_ifindex, 0);
}

char _license[] SEC("license") = "GPL";
