/* Data-plane constants of the Anyfront XDP fast path: map sizes, flags, encapsulations, header
 * sizes. The agent (apps/edge-agent/src/xdp/layout.ts) mirrors every value it writes into maps. */
#ifndef AF_CONSTS_H
#define AF_CONSTS_H

/* Map sizes. Services and backend slots are the agent's (mark - mark_base) numbering. */
#define AF_MAX_VIPS 16384          /* 4096 services x up to 16 addresses in the contract; 1 per address */
#define AF_MAX_SERVICES 4096
#define AF_MAX_BACKENDS 65536      /* backend slots (mark_count must not exceed this) */
#define AF_MAGLEV_ENTRIES 4194304  /* (service, half, bucket) -> backend slot; not preallocated */
#define AF_FLOW_ENTRIES 262144     /* LRU flow table (agent's flow_table_size default) */
#define AF_MAX_LISTENERS 8         /* a service with more listener ranges stays on the nft path */
#define AF_MAX_TX_PORTS 64

/* vip_meta.flags */
#define AF_VIP_CLIENT_IP_HASH (1u << 0) /* hash_mode client_ip: jhash(saddr) instead of the 5-tuple */
#define AF_VIP_HALF (1u << 1)           /* which of the service's two Maglev tables is in force */

/* backend.flags: membership of the nft path's live and udp-live sets */
#define AF_BE_LIVE (1u << 0)
#define AF_BE_UDP_LIVE (1u << 1)

/* backend.encap */
#define AF_ENCAP_SRV6 1   /* outer IPv6 + SRH with one segment (the kernel's seg6 mode encap) */
#define AF_ENCAP_IP6IP6 2 /* outer IPv6, next header 4/41 */
#define AF_ENCAP_IPIP 3   /* outer IPv4, protocol 4/41 */

/* config.flags */
#define AF_CFG_STATIC_NEXTHOP (1u << 0) /* MACs from config and XDP_TX, no FIB lookup (tests) */

/* flow.state */
#define AF_FLOW_NEW 0  /* saw its first non-SYN packet only: handshake timeout */
#define AF_FLOW_SEEN 1 /* saw more: full timeout */

/* global counters (per CPU) */
#define AF_CNT_PASS 0
#define AF_CNT_TX 1
#define AF_CNT_REDIRECT 2
#define AF_CNT_FLOW_NEW 3
#define AF_CNT_FLOOD 4
#define AF_CNT_NO_BACKEND 5
#define AF_CNT_NO_ROUTE 6
#define AF_CNT_FLOW_HIT 7
#define AF_CNT_ICMP 8 /* ICMP errors and echo requests forwarded to a backend */
#define AF_CNT_MAX 9

/* af_packet.icmp */
#define AF_ICMP_NONE 0
#define AF_ICMP_ECHO 1  /* echo request: placed by the client's address */
#define AF_ICMP_ERROR 2 /* error about a TCP/UDP flow: placed by the flow its embedded packet names */

#define AF_NO_SLOT 0xffffffffu

#define AF_SRH_LEN 24 /* 8-byte SRH + one 16-byte segment */
#define AF_IPV6_LEN 40
#define AF_IPV4_LEN 20
#define AF_OUTER_HOP_LIMIT 64 /* the kernel's default hop limit (seg6 encap of IPv4) */

#define AF_IPPROTO_IPIP 4
#define AF_IPPROTO_IPV6 41
#define AF_IPPROTO_ROUTING 43
#define AF_SRH_TYPE_SEGMENT_ROUTING 4

#define AF_IP_MF 0x2000
#define AF_IP_OFFSET 0x1fff

#endif
