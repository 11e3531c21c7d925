import { createHmac, timingSafeEqual } from 'node:crypto';
import * as ipaddr from 'ipaddr.js';
import { validateBackendAddress } from '../address/backend-address';

/**
 * Tenant webhooks (issue 12): where deliveries may go, and how they are signed.
 *
 * A delivery URL is https:// (http:// only in local mode) without credentials, and every address its
 * host resolves to must pass the rules the API applies to backend addresses (public unicast: no
 * loopback, private, link-local, documentation or other special ranges) unless local mode, where a
 * developer's receiver on loopback or a private network is the point. The worker checks the
 * addresses again when it connects (a name may resolve elsewhere by then).
 */
export interface WebhookUrlPolicy {
  /** `npm start` local mode: http:// and loopback/private/documentation receivers are accepted. */
  localMode: boolean;
}

/** Categories local mode accepts (a receiver on the developer's machine or network). */
const LOCAL_ALLOWED = new Set(['loopback', 'private', 'shared', 'link_local', 'unique_local', 'documentation']);

/** Why `url` may not receive webhooks (its form only; resolved addresses are checked with webhookAddressRefusal), or null. */
export function webhookUrlRefusal(url: string, policy: WebhookUrlPolicy): string | null {
  if (url.length > 2000) return 'must be at most 2000 characters';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not an absolute URL (e.g. https://hooks.example.com/anyfront)';
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && policy.localMode)) {
    return policy.localMode ? 'must be an http:// or https:// URL' : `must be an https:// URL (got ${u.protocol})`;
  }
  if (u.username || u.password) return 'must not carry credentials (the signature authenticates deliveries)';
  if (u.hash) return 'must not have a #fragment';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host))) return webhookAddressRefusal(host, policy);
  if (ipaddr.isValid(host)) return `host "${host}" is an unusual IPv4 form; write the address as a.b.c.d`;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host)) return `host "${host}" is not a public DNS name`;
  if (/(^|\.)(localhost|local|internal|localdomain)$/i.test(host) && !policy.localMode) return `host "${host}" is a local name; deliveries go to public hosts`;
  return null;
}

/** Why a delivery may not connect to `address` (one address the URL's host resolved to), or null. */
export function webhookAddressRefusal(address: string, policy: WebhookUrlPolicy): string | null {
  const r = validateBackendAddress(address, { allowDocumentationAndUla: policy.localMode });
  if (r.ok) return null;
  if (policy.localMode && LOCAL_ALLOWED.has(r.code)) return null;
  return `${address} is not a public unicast address (${r.code.replace(/_/g, ' ')}); webhooks are delivered only to public hosts`;
}

/** The signature header of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme). */
export const WEBHOOK_SIGNATURE_HEADER = 'anyfront-signature';
/** The event id; a receiver that saw it already ignores the delivery (retries resend the same id). */
export const WEBHOOK_ID_HEADER = 'anyfront-webhook-id';
/** Signatures older than this are refused by verifyWebhookSignature (replay window). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Receiver side (tests, docs): the header is valid for `body` and `secret` and not older than the tolerance. */
export function verifyWebhookSignature(header: string | undefined, body: string, secret: string, nowSeconds: number, toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const want = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(v1, 'hex'));
}
