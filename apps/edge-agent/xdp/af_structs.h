/* Map keys and values. Addresses are stored as in the packet (network order); IPv4 in addr[0]. */
#ifndef AF_STRUCTS_H
#define AF_STRUCTS_H
#include <linux/types.h>
#include "af_consts.h"

struct af_vip_key {
  __u32 addr[4];
  __u8 family; /* 4 or 6 */
  __u8 pad[3];
};

struct af_listener {
  __u8 proto; /* IPPROTO_TCP / IPPROTO_UDP */
  __u8 pad;
  __u16 port_from; /* host order */
  __u16 port_to;
};

struct af_vip_meta {
  __u32 service; /* service slot */
  __u32 flags;   /* AF_VIP_* */
  __u32 seed;    /* fleet hash seed (jhash initval, as nft's `seed`) */
  __u32 m;       /* Maglev table size */
  __u32 n_listeners;
  struct af_listener listeners[AF_MAX_LISTENERS];
  __u32 stats; /* index in af_vip_stats: this address's traffic counter (the agent's VIP slot) */
};

struct af_maglev_key {
  __u32 service; /* service slot * 2 + half */
  __u32 bucket;
};

struct af_backend {
  __u32 addr[4]; /* SRv6 segment / ip6ip6 remote (IPv6) or IPIP remote (IPv4 in addr[0]) */
  __u32 service; /* the service slot this backend slot belongs to */
  __u8 family;
  __u8 encap; /* AF_ENCAP_* */
  __u8 flags; /* AF_BE_* */
  __u8 pad;
};

struct af_flow_key {
  __u32 src[4];
  __u32 dst[4];
  __u16 sport;
  __u16 dport;
  __u8 proto;
  __u8 family;
  __u8 pad[2];
};

struct af_flow {
  __u32 backend;
  __u32 state; /* AF_FLOW_* */
  __u64 seen_ns;
};

struct af_config {
  __u32 flags; /* AF_CFG_* */
  __u32 src4;  /* outer IPv4 source */
  __u32 src6[4];
  __u8 smac[6]; /* static next hop only */
  __u8 dmac[6];
  __u64 flow_timeout_ns;
  __u64 handshake_timeout_ns;
  __u64 new_flows_per_cpu_second; /* flood threshold per CPU; 0 = no limit */
};

struct af_counter {
  __u64 packets;
  __u64 bytes; /* layer-3 bytes, as nft counters count them */
};

struct af_rate {
  __u64 second;
  __u64 count;
};

#endif
