// SPDX-License-Identifier: GPL-2.0
/* XDP_PASS only. The lab attaches it to the veth peer of an XDP_TX edge: a veth delivers XDP_TX
 * frames only to a peer that runs an XDP program (it needs the peer's NAPI). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int af_pass(struct xdp_md *ctx) {
  return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
