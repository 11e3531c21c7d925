import type { DesiredState } from '@anyfront/contracts';
import { cidrContains, parseCidr, validateBackendAddress } from '@anyfront/domain';

/**
 * Defense in depth (SECURITY.md): limits from the agent's own config that even a correctly signed
 * desired state cannot pass, so a compromised control plane still cannot make this edge announce
 * someone else's address space or tunnel tenant traffic to special-purpose addresses.
 */
export interface LocalPolicy {
  /** Prefixes this edge may announce (the pools of its PoP); undefined = no limit (a warning at start). */
  allowedPrefixes?: readonly string[];
  /** Lab/demo only, like the API's ALLOW_DOCUMENTATION_ADDRESSES: documentation and unique-local backends. */
  allowDocumentationAddresses: boolean;
  /** The node's own addresses from config (a backend must not be the edge itself). */
  ownAddresses: readonly string[];
}

/** True when `inner` (CIDR) lies wholly inside `outer` (CIDR) of the same family. */
export function prefixWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return a.family === b.family && a.length >= b.length && cidrContains(b, a.network);
}

/** Why the local policy refuses this (already verified) state; empty when it may be applied. */
export function localPolicyProblems(state: DesiredState, policy: LocalPolicy): string[] {
  const problems: string[] = [];
  const allowed = policy.allowedPrefixes;
  if (allowed) {
    for (const p of state.pools) {
      if (!allowed.some((a) => prefixWithin(p.prefix, a))) problems.push(`pool ${p.id} (${p.prefix}) is outside this edge's allowed_prefixes (${allowed.join(', ') || 'none'})`);
    }
  }
  const own = [...policy.ownAddresses, state.node.tunnel_source_ipv4, state.node.tunnel_source_ipv6].filter((x): x is string => !!x);
  for (const s of state.services) {
    for (const b of s.backends) {
      const r = validateBackendAddress(b.address, {
        allowDocumentationAndUla: policy.allowDocumentationAddresses,
        // The pools this state announces (a backend there loops back into the edge); the allow-list is only an upper bound.
        platformPrefixes: state.pools.map((p) => p.prefix),
        edgeAddresses: own,
      });
      if (!r.ok) problems.push(`service ${s.id} backend ${b.id}: ${r.message}`);
    }
  }
  return problems;
}
