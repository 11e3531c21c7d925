/* Stage 3: flow table and backend choice, the nft path's policy (libs/dataplane/src/nft.ts) in BPF:
 *  - an entry keeps its flow on its backend while that backend is live for the service (UDP: and
 *    not unhealthy); a hit promotes it to the full timeout;
 *  - a TCP SYN never follows an entry and never creates one (a SYN flood cannot fill the table);
 *  - any other packet placed by the hash creates the entry with the short handshake timeout, unless
 *    this CPU is over its share of the new-flow rate (flood: the hash alone places the flow).
 * The LRU map bounds the table; timeouts are checked on lookup. */
#ifndef AF_FLOW_H
#define AF_FLOW_H
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "af_maps.h"
#include "af_parse.h"

static __always_inline void af_count(__u32 idx) {
  __u64 *c = bpf_map_lookup_elem(&af_counters, &idx);
  if (c) *c += 1;
}

static __always_inline int af_backend_usable(const struct af_backend *be, __u32 service, __u8 proto) {
  if (!be || be->service != service || !(be->flags & AF_BE_LIVE)) return 0;
  if (proto == IPPROTO_UDP && !(be->flags & AF_BE_UDP_LIVE)) return 0;
  return 1;
}

/* A flow entry still in force (not past its timeout). */
static __always_inline int af_flow_fresh(const struct af_flow *f, const struct af_config *cfg, __u64 now) {
  __u64 ttl = f->state == AF_FLOW_SEEN ? cfg->flow_timeout_ns : cfg->handshake_timeout_ns;
  return now - f->seen_ns <= ttl;
}

static __always_inline int af_under_flood(const struct af_config *cfg, __u64 now) {
  if (!cfg->new_flows_per_cpu_second) return 0;
  __u32 zero = 0;
  struct af_rate *r = bpf_map_lookup_elem(&af_new_flow_rate, &zero);
  if (!r) return 0;
  __u64 second = now / 1000000000ull;
  if (r->second != second) {
    r->second = second;
    r->count = 0;
  }
  if (r->count >= cfg->new_flows_per_cpu_second) return 1;
  r->count++;
  return 0;
}

/* The live backend of the packet's Maglev bucket (in the table half in force), or AF_NO_SLOT. */
static __always_inline __u32 af_maglev_slot(const struct af_packet *p, const struct af_vip_meta *vip, int client_ip_only) {
  struct af_maglev_key mk = {
    .service = vip->service * 2 + ((vip->flags & AF_VIP_HALF) ? 1 : 0),
    .bucket = af_bucket(p, vip->seed, vip->m, client_ip_only),
  };
  __u32 *slot = bpf_map_lookup_elem(&af_maglev, &mk);
  if (!slot) return AF_NO_SLOT;
  __u32 s = *slot;
  struct af_backend *be = bpf_map_lookup_elem(&af_backends, &s);
  if (!be || be->service != vip->service || !(be->flags & AF_BE_LIVE)) return AF_NO_SLOT;
  return s;
}

/* The backend slot for this packet, or AF_NO_SLOT (no usable backend: the nft path rejects it). */
static __always_inline __u32 af_choose_backend(const struct af_packet *p, const struct af_vip_meta *vip, const struct af_config *cfg) {
  __u64 now = bpf_ktime_get_ns();
  if (!p->syn_only) {
    struct af_flow *f = bpf_map_lookup_elem(&af_flows, &p->flow);
    if (f) {
      __u32 slot = f->backend;
      struct af_backend *be = bpf_map_lookup_elem(&af_backends, &slot);
      if (af_flow_fresh(f, cfg, now) && af_backend_usable(be, vip->service, p->flow.proto)) {
        f->seen_ns = now;
        f->state = AF_FLOW_SEEN;
        af_count(AF_CNT_FLOW_HIT);
        return slot;
      }
    }
  }
  __u32 s = af_maglev_slot(p, vip, vip->flags & AF_VIP_CLIENT_IP_HASH);
  if (s == AF_NO_SLOT) return AF_NO_SLOT;
  if (!p->syn_only) {
    if (af_under_flood(cfg, now)) {
      af_count(AF_CNT_FLOOD);
    } else {
      struct af_flow nf = {.backend = s, .state = AF_FLOW_NEW, .seen_ns = now};
      bpf_map_update_elem(&af_flows, &p->flow, &nf, BPF_ANY);
      af_count(AF_CNT_FLOW_NEW);
    }
  }
  return s;
}

/*
 * ICMP, as the nft path places it: an error goes to the backend of the flow it is about - the
 * flow table's entry while that backend is live (the error is no packet of the flow: the entry is
 * neither refreshed nor created), else the bucket of the flow's hash (so path MTU discovery works
 * for the backend's replies); an echo request to the bucket of the client's address alone. Only
 * live backends (nft: `meta mark @live`); none: AF_NO_SLOT (nft drops and counts it).
 */
static __always_inline __u32 af_choose_icmp(const struct af_packet *p, const struct af_vip_meta *vip, const struct af_config *cfg) {
  if (p->icmp == AF_ICMP_ERROR) {
    struct af_flow *f = bpf_map_lookup_elem(&af_flows, &p->flow);
    if (f) {
      __u32 slot = f->backend;
      struct af_backend *be = bpf_map_lookup_elem(&af_backends, &slot);
      if (af_flow_fresh(f, cfg, bpf_ktime_get_ns()) && be && be->service == vip->service && (be->flags & AF_BE_LIVE)) return slot;
    }
  }
  return af_maglev_slot(p, vip, p->icmp == AF_ICMP_ECHO || (vip->flags & AF_VIP_CLIENT_IP_HASH));
}

#endif
