/* Stage 1: Ethernet / IPv4 / IPv6 / TCP+UDP parsing. Anything unusual (IP options, fragments,
 * extension headers, other protocols) is not parsed: the caller passes it to the kernel. */
#ifndef AF_PARSE_H
#define AF_PARSE_H
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "af_structs.h"

struct af_packet {
  struct af_flow_key flow;
  __u32 l3_len;    /* bytes from the IP header on */
  __u8 tos;        /* IPv4 TOS / IPv6 traffic class */
  __u8 hop_limit;  /* IPv6 hop limit (IPv4: TTL) */
  __u8 syn_only;   /* TCP SYN without ACK */
};

static __always_inline int af_parse(void *data, void *data_end, struct af_packet *p) {
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return -1;
  void *l4;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return -1;
    if (ip->ihl != 5 || ip->version != 4) return -1;                      /* options */
    if (ip->frag_off & bpf_htons(AF_IP_MF | AF_IP_OFFSET)) return -1;      /* fragments */
    p->flow.family = 4;
    p->flow.proto = ip->protocol;
    p->flow.src[0] = ip->saddr;
    p->flow.dst[0] = ip->daddr;
    p->tos = ip->tos;
    p->hop_limit = ip->ttl;
    p->l3_len = bpf_ntohs(ip->tot_len);
    l4 = ip + 1;
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > data_end) return -1;
    p->flow.family = 6;
    p->flow.proto = ip6->nexthdr; /* extension headers: not TCP/UDP below, so passed */
    __builtin_memcpy(p->flow.src, &ip6->saddr, 16);
    __builtin_memcpy(p->flow.dst, &ip6->daddr, 16);
    p->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
    p->hop_limit = ip6->hop_limit;
    p->l3_len = AF_IPV6_LEN + bpf_ntohs(ip6->payload_len);
    l4 = ip6 + 1;
  } else {
    return -1;
  }
  if (p->flow.proto == IPPROTO_TCP) {
    struct tcphdr *tcp = l4;
    if ((void *)(tcp + 1) > data_end) return -1;
    p->flow.sport = tcp->source;
    p->flow.dport = tcp->dest;
    p->syn_only = tcp->syn && !tcp->ack;
  } else if (p->flow.proto == IPPROTO_UDP) {
    struct udphdr *udp = l4;
    if ((void *)(udp + 1) > data_end) return -1;
    p->flow.sport = udp->source;
    p->flow.dport = udp->dest;
  } else {
    return -1; /* ICMP and everything else: the nft path */
  }
  return 0;
}

#endif
