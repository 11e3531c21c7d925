/* Stage 2: the Maglev bucket, computed exactly as the nft path computes it, so an XDP edge and an
 * nft edge put every flow on the same backend:
 *   nft: jhash ip saddr . th sport . ip daddr . th dport mod M seed S
 * nft concatenations pad each field to a 32-bit register (zeros after a 16-bit port), nft_jhash
 * runs the kernel's jhash() over those bytes, and `mod M` is reciprocal_scale(hash, M).
 * jhash below is the kernel's (include/linux/jhash.h) for lengths that are multiples of 4. */
#ifndef AF_HASH_H
#define AF_HASH_H
#include <linux/types.h>
#include "af_parse.h"

static __always_inline __u32 af_rol32(__u32 w, __u32 s) { return (w << s) | (w >> (32 - s)); }

#define AF_JHASH_MIX(a, b, c)                  \
  {                                            \
    a -= c; a ^= af_rol32(c, 4);  c += b;      \
    b -= a; b ^= af_rol32(a, 6);  a += c;      \
    c -= b; c ^= af_rol32(b, 8);  b += a;      \
    a -= c; a ^= af_rol32(c, 16); c += b;      \
    b -= a; b ^= af_rol32(a, 19); a += c;      \
    c -= b; c ^= af_rol32(b, 4);  b += a;      \
  }
#define AF_JHASH_FINAL(a, b, c)                \
  {                                            \
    c ^= b; c -= af_rol32(b, 14);              \
    a ^= c; a -= af_rol32(c, 11);              \
    b ^= a; b -= af_rol32(a, 25);              \
    c ^= b; c -= af_rol32(b, 16);              \
    a ^= c; a -= af_rol32(c, 4);               \
    b ^= a; b -= af_rol32(a, 14);              \
    c ^= b; c -= af_rol32(b, 24);              \
  }

/* jhash over n 32-bit words read in CPU order (the kernel's __get_unaligned_cpu32), n in 1..10. */
static __always_inline __u32 af_jhash_words(const __u32 *w, __u32 n, __u32 seed) {
  __u32 a, b, c;
  a = b = c = 0xdeadbeef + (n * 4) + seed;
  __u32 i = 0;
#pragma unroll
  for (int round = 0; round < 3; round++) {
    if (n - i > 3) {
      a += w[i]; b += w[i + 1]; c += w[i + 2];
      AF_JHASH_MIX(a, b, c);
      i += 3;
    }
  }
  __u32 left = n - i; /* 1, 2 or 3 */
  if (left >= 3) c += w[i + 2];
  if (left >= 2) b += w[i + 1];
  a += w[i];
  AF_JHASH_FINAL(a, b, c);
  return c;
}

static __always_inline __u32 af_bucket(const struct af_packet *p, __u32 seed, __u32 m, int client_ip_only) {
  __u32 w[10] = {};
  /* ports are 16 bits in the first half of their register, in packet byte order */
  __u32 sport = 0, dport = 0;
  __builtin_memcpy(&sport, &p->flow.sport, 2);
  __builtin_memcpy(&dport, &p->flow.dport, 2);
  if (p->flow.family == 4) {
    w[0] = p->flow.src[0];
    w[1] = sport;
    w[2] = p->flow.dst[0];
    w[3] = dport;
    /* constant word counts, so the verifier sees fixed stack offsets after inlining */
    return (__u32)(((__u64)(client_ip_only ? af_jhash_words(w, 1, seed) : af_jhash_words(w, 4, seed)) * m) >> 32);
  }
  w[0] = p->flow.src[0]; w[1] = p->flow.src[1]; w[2] = p->flow.src[2]; w[3] = p->flow.src[3];
  w[4] = sport;
  w[5] = p->flow.dst[0]; w[6] = p->flow.dst[1]; w[7] = p->flow.dst[2]; w[8] = p->flow.dst[3];
  w[9] = dport;
  return (__u32)(((__u64)(client_ip_only ? af_jhash_words(w, 4, seed) : af_jhash_words(w, 10, seed)) * m) >> 32);
}

#endif
