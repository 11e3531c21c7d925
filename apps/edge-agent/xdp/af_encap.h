/* Stage 4: push the tunnel header. Mirrors what the nft path's kernel encapsulation emits at route
 * input (seg6 `mode encap` / ip6ip6 / ipip) and then forwards: outer hop limit = the inner IPv6 hop
 * limit (IPv4 inner: the default 64) minus the forwarding hop, traffic class copied from an IPv6
 * inner packet, flow label 0, the inner packet untouched. */
#ifndef AF_ENCAP_H
#define AF_ENCAP_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "af_structs.h"
#include "af_parse.h"

struct af_srh {
  __u8 nexthdr;
  __u8 hdrlen; /* 8-octet units after the first 8: 2 for one segment */
  __u8 type;
  __u8 segments_left;
  __u8 first_segment; /* last entry */
  __u8 flags;
  __u16 tag;
  __u32 segment[4];
};

/* Outer header bytes the encapsulation adds, 0 when the backend's encapsulation is not handled here. */
static __always_inline int af_encap_len(const struct af_backend *be) {
  if (be->encap == AF_ENCAP_SRV6 && be->family == 6) return AF_IPV6_LEN + AF_SRH_LEN;
  if (be->encap == AF_ENCAP_IP6IP6 && be->family == 6) return AF_IPV6_LEN;
  if (be->encap == AF_ENCAP_IPIP && be->family == 4) return AF_IPV4_LEN;
  return 0;
}

/* Outer hop limit / TTL, or 0 when the forwarding hop would expire the packet (the kernel answers). */
static __always_inline __u8 af_outer_hop_limit(const struct af_packet *p) {
  __u8 hl = p->flow.family == 6 ? p->hop_limit : AF_OUTER_HOP_LIMIT;
  return hl > 1 ? hl - 1 : 0;
}

static __always_inline __u16 af_ipv4_csum(struct iphdr *ip) {
  __u32 sum = 0;
  __u16 *w = (__u16 *)ip;
#pragma unroll
  for (int i = 0; i < AF_IPV4_LEN / 2; i++) sum += w[i];
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return ~sum;
}

/* Grows the head and writes Ethernet (MACs set by the caller) + outer headers. 0 on success. */
static __always_inline int af_encap(struct xdp_md *ctx, const struct af_packet *p, const struct af_backend *be, const struct af_config *cfg, __u8 hop_limit) {
  int len = af_encap_len(be);
  if (len == 0) return -1;
  if (bpf_xdp_adjust_head(ctx, -len)) return -1;
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  __u8 inner_proto = p->flow.family == 4 ? AF_IPPROTO_IPIP : AF_IPPROTO_IPV6;

  if (be->encap == AF_ENCAP_IPIP) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return -1;
    eth->h_proto = bpf_htons(ETH_P_IP);
    ip->version = 4;
    ip->ihl = 5;
    ip->tos = p->tos;
    ip->tot_len = bpf_htons(AF_IPV4_LEN + p->l3_len);
    ip->id = 0;
    ip->frag_off = bpf_htons(0x4000); /* DF: the tunnel is sized by the MSS clamp */
    ip->ttl = hop_limit;
    ip->protocol = inner_proto;
    ip->check = 0;
    ip->saddr = cfg->src4;
    ip->daddr = be->addr[0];
    ip->check = af_ipv4_csum(ip);
    return 0;
  }

  struct ipv6hdr *ip6 = (void *)(eth + 1);
  if ((void *)(ip6 + 1) > data_end) return -1;
  eth->h_proto = bpf_htons(ETH_P_IPV6);
  __u8 tc = p->flow.family == 6 ? p->tos : 0;
  ip6->version = 6;
  ip6->priority = tc >> 4;
  ip6->flow_lbl[0] = (tc & 0x0f) << 4;
  ip6->flow_lbl[1] = 0;
  ip6->flow_lbl[2] = 0;
  ip6->hop_limit = hop_limit;
  __builtin_memcpy(&ip6->saddr, cfg->src6, 16);
  __builtin_memcpy(&ip6->daddr, be->addr, 16);
  if (be->encap == AF_ENCAP_IP6IP6) {
    ip6->nexthdr = inner_proto;
    ip6->payload_len = bpf_htons(p->l3_len);
    return 0;
  }
  struct af_srh *srh = (void *)(ip6 + 1);
  if ((void *)(srh + 1) > data_end) return -1;
  ip6->nexthdr = AF_IPPROTO_ROUTING;
  ip6->payload_len = bpf_htons(AF_SRH_LEN + p->l3_len);
  srh->nexthdr = inner_proto;
  srh->hdrlen = (AF_SRH_LEN / 8) - 1;
  srh->type = AF_SRH_TYPE_SEGMENT_ROUTING;
  srh->segments_left = 0;
  srh->first_segment = 0;
  srh->flags = 0;
  srh->tag = 0;
  __builtin_memcpy(srh->segment, be->addr, 16);
  return 0;
}

#endif
