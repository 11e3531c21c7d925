import { isIPv4, isIPv6 } from 'node:net';
import * as ipaddr from 'ipaddr.js';
import {
  type Cidr,
  type IpFamily,
  type ParsedAddress,
  cidrContains,
  familyOf,
  formatAddress,
  parseCidr,
  parseIPv6Strict,
} from './ip';
import { IPV6_GLOBAL_UNICAST, LAB_ALLOWABLE, type RefusalCategory, SPECIAL_RANGES, type SpecialRange } from './special-ranges';

export type BackendAddressErrorCode = 'invalid_syntax' | RefusalCategory | 'platform_pool' | 'platform_edge';

export type BackendAddressResult =
  | { ok: true; address: string; family: IpFamily }
  | { ok: false; code: BackendAddressErrorCode; message: string };

export interface BackendAddressOptions {
  /** Lab/demo only: accept documentation ranges and unique-local IPv6 (fc00::/7). */
  allowDocumentationAndUla?: boolean;
  /** The platform's own anycast pools (CIDR text); a backend inside one would loop traffic into Anyfront. */
  platformPrefixes?: readonly string[];
  /** Tunnel source addresses of edge nodes. */
  edgeAddresses?: readonly string[];
}

const PUBLIC = 'backends must be reachable on the public internet';

/**
 * Checks that `input` is exactly one global unicast IPv4 or IPv6 address that the platform may
 * tunnel traffic to, and says why not otherwise. The returned address is canonical (RFC 5952 for IPv6).
 */
export function validateBackendAddress(input: unknown, options: BackendAddressOptions = {}): BackendAddressResult {
  const syntax = parseSingleAddress(input);
  if (!syntax.ok) return syntax;
  const { addr, text } = syntax;

  const special = classify(addr);
  if (special && !(options.allowDocumentationAndUla && LAB_ALLOWABLE.has(special.category))) {
    return { ok: false, code: special.category, message: refusalMessage(text, addr, special) };
  }
  if (!special && familyOf(addr) === 6 && !cidrContains(IPV6_GLOBAL_UNICAST, addr)) {
    return {
      ok: false,
      code: 'not_global_unicast',
      message: `${text} is outside the IPv6 global unicast space (2000::/3); ${PUBLIC}`,
    };
  }

  for (const prefix of options.platformPrefixes ?? []) {
    const cidr = safeCidr(prefix);
    if (cidr && cidrContains(cidr, addr)) {
      return {
        ok: false,
        code: 'platform_pool',
        message: `${text} is inside the platform's anycast pool ${prefix}; a backend must not point back into Anyfront`,
      };
    }
  }
  for (const edge of options.edgeAddresses ?? []) {
    const edgeAddr = safeAddress(edge);
    if (edgeAddr && familyOf(edgeAddr) === familyOf(addr) && toKey(edgeAddr) === toKey(addr)) {
      return {
        ok: false,
        code: 'platform_edge',
        message: `${text} is a tunnel address of one of the platform's edge nodes; a backend must not point back into Anyfront`,
      };
    }
  }
  return { ok: true, address: text, family: familyOf(addr) };
}

type ParseResult = { ok: true; addr: ParsedAddress; text: string } | { ok: false; code: 'invalid_syntax'; message: string };

function invalid(message: string): ParseResult {
  return { ok: false, code: 'invalid_syntax', message };
}

/** Exactly one address in standard notation: no prefix, port, zone, hostname or shorthand IPv4. */
export function parseSingleAddress(input: unknown): ParseResult {
  if (typeof input !== 'string') return invalid('address must be a string holding one IPv4 or IPv6 address');
  const raw = input;
  const shown = JSON.stringify(raw.length > 64 ? `${raw.slice(0, 64)}...` : raw);
  if (raw.length === 0) return invalid('address is empty; give one IPv4 or IPv6 address');
  if (/[\s,;]/.test(raw)) return invalid(`${shown} is not exactly one address; give a single IPv4 or IPv6 address without spaces`);
  if (raw.includes('/')) return invalid(`${shown} is a prefix; give a single address without a /length`);
  if (raw.includes('%')) return invalid(`${shown} has a zone id; give a global address without %zone`);
  if (raw.startsWith('[') || /^\d+\.\d+\.\d+\.\d+:\d+$/.test(raw)) {
    return invalid(`${shown} includes a port or brackets; give the address only (ports belong to listeners)`);
  }
  if (isIPv4(raw)) {
    const addr = ipaddr.IPv4.parse(raw);
    return { ok: true, addr, text: formatAddress(addr) };
  }
  if (isIPv6(raw)) {
    const addr = parseIPv6Strict(raw);
    return { ok: true, addr, text: formatAddress(addr) };
  }
  if (/^[0-9a-fx.]+$/i.test(raw) && !raw.includes(':') && /\d/.test(raw)) {
    return invalid(
      `${shown} is not a standard IPv4 address; write four decimal parts without leading zeros, e.g. 198.51.100.7 (no shortened, octal or hex forms)`,
    );
  }
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(raw)) {
    return invalid(`${shown} looks like a hostname; give an IP address (hostnames are not accepted)`);
  }
  return invalid(`${shown} is not an IP address; give one IPv4 or IPv6 address`);
}

type Refusal = SpecialRange & { category: RefusalCategory };

function classify(addr: ParsedAddress): Refusal | null {
  for (const range of SPECIAL_RANGES) {
    if (cidrContains(range.cidr, addr)) return range.category ? (range as Refusal) : null;
  }
  return null;
}

function refusalMessage(text: string, addr: ParsedAddress, range: Refusal): string {
  const embedded = embeddedIPv4(addr as ipaddr.IPv6, range.embedsIPv4);
  if (embedded) {
    return `${text} is ${range.label} (${range.cidr.text}) embedding ${embedded}; IPv6 transition forms are not accepted, give the IPv4 address or a native IPv6 address`;
  }
  const hint =
    LAB_ALLOWABLE.has(range.category) ? ' (only lab and demo deployments accept it)' : '';
  return `${text} is ${range.label} (${range.cidr.text}); ${PUBLIC}${hint}`;
}

function embeddedIPv4(addr: ipaddr.IPv6, where: SpecialRange['embedsIPv4']): string | null {
  if (!where || addr.kind() !== 'ipv6') return null;
  const [, p1 = 0, p2 = 0, , , , p6 = 0, p7 = 0] = addr.parts; // an IPv6 address always has 8 parts
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (where === 'low32') return quad(p6, p7);
  if (where === '6to4') return quad(p1, p2);
  return quad(p6 ^ 0xffff, p7 ^ 0xffff); // Teredo obfuscates the client address
}

function safeCidr(text: string): Cidr | null {
  try {
    return parseCidr(text);
  } catch {
    return null;
  }
}

function safeAddress(text: string): ParsedAddress | null {
  try {
    return text.includes(':') ? parseIPv6Strict(text) : ipaddr.IPv4.parse(text);
  } catch {
    return null;
  }
}

function toKey(addr: ParsedAddress): string {
  return addr.toNormalizedString();
}
