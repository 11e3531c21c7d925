/*
 * Flow-table benchmark packet generator (apps/edge-agent/bench/flow-table.bench.ts): sends
 * <count> UDP datagrams to <dst>:<port> over a raw socket, each from a distinct source
 * (10.<i>, port 1024 + i % 60000), in batches of sendmmsg, and prints the wall time in ns.
 * Run inside the benchmark's own namespace: on lo the receive path (nft prerouting) runs in the
 * sender's context, so the time per packet includes the flow-table work.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 256
#define PKT 29

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: flowgen <dst> <port> <count> [first flow]\n"); return 2; }
  in_addr_t dst = inet_addr(argv[1]);
  int port = atoi(argv[2]);
  long count = atol(argv[3]);
  long first = argc > 4 ? atol(argv[4]) : 0; /* flow numbers first..first+count-1 */
  int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (s < 0) { perror("socket"); return 1; }
  static unsigned char buf[BATCH][PKT];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };
  memset(msgs, 0, sizeof msgs);
  for (int k = 0; k < BATCH; k++) {
    iov[k].iov_base = buf[k];
    iov[k].iov_len = PKT;
    msgs[k].msg_hdr.msg_iov = &iov[k];
    msgs[k].msg_hdr.msg_iovlen = 1;
    msgs[k].msg_hdr.msg_name = &to;
    msgs[k].msg_hdr.msg_namelen = sizeof to;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < count; i += BATCH) {
    int n = (count - i) < BATCH ? (int)(count - i) : BATCH;
    for (int k = 0; k < n; k++) {
      long f = first + i + k;
      struct iphdr *ip = (struct iphdr *)buf[k];
      struct udphdr *udp = (struct udphdr *)(buf[k] + 20);
      memset(buf[k], 0, PKT);
      ip->ihl = 5; ip->version = 4; ip->ttl = 64; ip->protocol = IPPROTO_UDP; ip->tot_len = htons(PKT);
      ip->saddr = htonl((10u << 24) | (unsigned)(f / 60000 + 1)); ip->daddr = dst;
      udp->source = htons(1024 + f % 60000); udp->dest = htons(port); udp->len = htons(PKT - 20);
    }
    int off = 0;
    while (off < n) {
      int r = sendmmsg(s, msgs + off, n - off, 0);
      if (r < 0) { perror("sendmmsg"); return 1; }
      off += r;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%ld\n", (long)((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec)));
  return 0;
}
