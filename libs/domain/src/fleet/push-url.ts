import * as ipaddr from 'ipaddr.js';

/**
 * Where the worker may push an edge node's desired state (issue 8): only to the node itself. The
 * push URL's host must be an IP literal equal to one of the node's registered addresses (tunnel
 * sources and operator-set management addresses); a host name could resolve anywhere, so none is
 * accepted. Loopback and plain HTTP only in the lab/local mode (ANYFRONT_MODE=local or
 * ALLOW_DOCUMENTATION_ADDRESSES, both refused in production): elsewhere pushes use HTTPS with the
 * agent's pinned certificate.
 */
export interface PushUrlPolicy {
  /** The node's registered addresses (tunnel sources, management addresses), any notation. */
  nodeAddresses: readonly (string | null | undefined)[];
  /** Lab/local mode: loopback hosts and plain http:// accepted. */
  labMode: boolean;
}

/** Why the worker must not push to `url`, or null when it may. */
export function pushUrlRefusal(url: string, policy: PushUrlPolicy): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `push_url "${url.slice(0, 100)}" is not a URL`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `push_url must be https:// (got ${u.protocol})`;
  if (u.protocol === 'http:' && !policy.labMode) {
    return 'push_url must be https:// outside the lab/local mode: the agent serves its push endpoint over TLS and reports its certificate fingerprint (push_tls_fingerprint)';
  }
  if (u.username || u.password) return 'push_url must not carry credentials';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(host) || !(ipaddr.IPv4.isValidFourPartDecimal(host) || host.includes(':'))) {
    return `push_url host "${host}" must be an IP address of the edge node (host names are not accepted)`;
  }
  const addr = normalize(host);
  if (parse(addr).range() === 'loopback') {
    return policy.labMode ? null : `push_url host ${addr} is a loopback address; only the lab/local mode pushes to loopback`;
  }
  const own = policy.nodeAddresses.filter((a): a is string => !!a).map(normalize);
  if (own.includes(addr)) return null;
  return `push_url host ${addr} is not an address of this edge node (registered: ${own.join(', ') || 'none'}); an operator adds management addresses with PATCH /v1/admin/edge-nodes/{id}`;
}

function parse(a: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const p = ipaddr.parse(a);
  // ::ffff:a.b.c.d is the IPv4 address for our purposes (same socket, same host).
  return p.kind() === 'ipv6' && (p as ipaddr.IPv6).isIPv4MappedAddress() ? (p as ipaddr.IPv6).toIPv4Address() : p;
}

function normalize(a: string): string {
  return parse(a.replace(/\/\d+$/, '')).toNormalizedString();
}

/** A SHA-256 certificate fingerprint as Node prints it (`AB:CD:...`, 32 bytes). */
export const TLS_FINGERPRINT_PATTERN = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** Upper-case colon form of a SHA-256 fingerprint given with or without colons, or null when it is not one. */
export function normalizeTlsFingerprint(input: string): string | null {
  const hex = input.replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}
