/* Stage 1: Ethernet / IPv4 / IPv6 / TCP+UDP / ICMP parsing. Anything unusual (IP options,
 * fragments, extension headers, other protocols, ICMP the nft path does not forward) is not parsed:
 * the caller passes it to the kernel. */
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
  /* The flow the packet belongs to; for an ICMP error the client's flow its embedded packet (the
   * backend's reply) names: embedded source and destination swapped. */
  struct af_flow_key flow;
  __u32 daddr[4];  /* outer destination: the VIP */
  __u8 icmp;       /* AF_ICMP_* */
  __u32 l3_len;    /* bytes from the IP header on */
  __u8 tos;        /* IPv4 TOS / IPv6 traffic class */
  __u8 hop_limit;  /* IPv6 hop limit (IPv4: TTL) */
  __u8 syn_only;   /* TCP SYN without ACK */
};

/*
 * ICMP to an anycast address, as the nft path forwards it (libs/dataplane/src/nft.ts, icmpRules):
 * echo requests (placed by the client's address), and errors - IPv4 destination unreachable, IPv6
 * destination unreachable and packet too big - whose embedded packet is IPv4 without options /
 * IPv6 without extension headers carrying TCP or UDP (placed by the flow it names). Anything else: -1.
 */
static __always_inline int af_parse_icmp(void *l4, void *data_end, struct af_packet *p) {
  __u8 *icmp = l4;
  if ((void *)(icmp + 8) > data_end) return -1;
  __u8 type = icmp[0];
  if ((p->flow.family == 4 && type == 8) || (p->flow.family == 6 && type == 128)) {
    p->icmp = AF_ICMP_ECHO;
    return 0;
  }
  void *embedded = icmp + 8;
  if (p->flow.family == 4 && type == 3) {
    struct iphdr *in = embedded;
    __u16 *ports = (void *)(in + 1);
    if ((void *)(ports + 2) > data_end) return -1;
    if (*(__u8 *)in != 0x45 || (in->protocol != IPPROTO_TCP && in->protocol != IPPROTO_UDP)) return -1;
    p->flow.proto = in->protocol;
    p->flow.src[0] = in->daddr;
    p->flow.dst[0] = in->saddr;
    p->flow.sport = ports[1];
    p->flow.dport = ports[0];
    p->icmp = AF_ICMP_ERROR;
    return 0;
  }
  if (p->flow.family == 6 && (type == 1 || type == 2)) {
    struct ipv6hdr *in = embedded;
    __u16 *ports = (void *)(in + 1);
    if ((void *)(ports + 2) > data_end) return -1;
    if (in->version != 6 || (in->nexthdr != IPPROTO_TCP && in->nexthdr != IPPROTO_UDP)) return -1;
    p->flow.proto = in->nexthdr;
    __builtin_memcpy(p->flow.src, &in->daddr, 16);
    __builtin_memcpy(p->flow.dst, &in->saddr, 16);
    p->flow.sport = ports[1];
    p->flow.dport = ports[0];
    p->icmp = AF_ICMP_ERROR;
    return 0;
  }
  return -1;
}

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
  __builtin_memcpy(p->daddr, p->flow.dst, 16);
  if ((p->flow.family == 4 && p->flow.proto == IPPROTO_ICMP) || (p->flow.family == 6 && p->flow.proto == IPPROTO_ICMPV6)) return af_parse_icmp(l4, data_end, p);
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
    return -1; /* everything else: the nft path */
  }
  return 0;
}

#endif
