/* Every map of the program, declared in one place. The agent pins them under its bpffs dir. */
#ifndef AF_MAPS_H
#define AF_MAPS_H
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "af_structs.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, struct af_vip_key);
  __type(value, struct af_vip_meta);
  __uint(max_entries, AF_MAX_VIPS);
} af_vips SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, struct af_maglev_key);
  __type(value, __u32);
  __uint(max_entries, AF_MAGLEV_ENTRIES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} af_maglev SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct af_backend);
  __uint(max_entries, AF_MAX_BACKENDS);
} af_backends SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __type(key, struct af_flow_key);
  __type(value, struct af_flow);
  __uint(max_entries, AF_FLOW_ENTRIES);
} af_flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct af_config);
  __uint(max_entries, 1);
} af_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, AF_MAX_TX_PORTS);
} af_tx_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, struct af_counter);
  __uint(max_entries, AF_MAX_VIPS);
} af_vip_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, struct af_counter);
  __uint(max_entries, AF_MAX_BACKENDS);
} af_backend_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, AF_CNT_MAX);
} af_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, struct af_rate);
  __uint(max_entries, 1);
} af_new_flow_rate SEC(".maps");

#endif
