import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  BACKEND_VERIFY_PATH_PREFIX,
  BACKEND_VERIFY_PORT,
  VERIFY_TOKEN_PATTERN,
  VERIFY_TOKEN_PREFIX,
  type BackendVerificationState,
} from '@anyfront/contracts';
import * as ipaddr from 'ipaddr.js';

/**
 * Backend ownership verification (issue 8). Every backend row has its own token; the tenant gives it
 * to the backend kit on the server. An edge sends the challenge through the backend's tunnel to the
 * service's anycast address, port BACKEND_VERIFY_PORT:
 *
 *   GET /.well-known/anyfront-verify/<token id>?nonce=<32 hex>      ->  200 text/plain <proof>
 *
 * token id = first 16 hex digits of SHA-256(token) (names the token without revealing it);
 * proof    = HMAC-SHA256(token, "anyfront-verify-v1\n<token id>\n<nonce>\n<anycast address>") in hex.
 *
 * Only a kit holding this row's token can answer, and only when the request reached it at the
 * anycast address (it was decapsulated and the address is on its loopback): tenant B registering
 * tenant A's server gets a token A's kit does not hold, so B's row never verifies.
 */

export function newVerifyToken(): string {
  return `${VERIFY_TOKEN_PREFIX}${randomBytes(32).toString('hex')}`;
}

export function isVerifyToken(s: unknown): s is string {
  return typeof s === 'string' && VERIFY_TOKEN_PATTERN.test(s);
}

export function verifyTokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export function newChallengeNonce(): string {
  return randomBytes(16).toString('hex');
}

export function challengePath(token: string, nonce: string): string {
  return `${BACKEND_VERIFY_PATH_PREFIX}${verifyTokenId(token)}?nonce=${nonce}`;
}

/** The challenge a request path carries, or null when it is not one (the kit answers those 400). */
export function parseChallengePath(path: string): { tokenId: string; nonce: string } | null {
  const m = /^\/\.well-known\/anyfront-verify\/([0-9a-f]{16})\?nonce=([0-9a-f]{16,64})$/.exec(path);
  return m?.[1] && m[2] ? { tokenId: m[1], nonce: m[2] } : null;
}

export function verifyProof(token: string, nonce: string, anycastAddress: string): string {
  return createHmac('sha256', token).update(`anyfront-verify-v1\n${verifyTokenId(token)}\n${nonce}\n${canonicalAddress(anycastAddress)}`).digest('hex');
}

/** RFC 5952 form; an IPv4-mapped IPv6 address (a dual-stack socket's view of IPv4) as plain IPv4. */
export function canonicalAddress(address: string): string {
  const a = ipaddr.parse(address);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address().toString() : a.toString();
}

/** What one challenge saw: an HTTP answer (status and body) or none (refused, reset, timed out). */
export type ChallengeAnswer = { status: number; body: string } | { error: string };

export type ChallengeOutcome = { kind: 'proof' } | { kind: 'wrong'; reason: string } | { kind: 'no-answer'; reason: string };

/** Judges an answer against the proof this edge expects (constant-time compare). */
export function judgeChallenge(expected: string, answer: ChallengeAnswer): ChallengeOutcome {
  if ('error' in answer) return { kind: 'no-answer', reason: `no answer from the backend kit on port ${BACKEND_VERIFY_PORT} through the tunnel (${answer.error})` };
  if (answer.status === 404) return { kind: 'wrong', reason: 'the backend kit answered but holds no token for this backend (HTTP 404): run the kit with this backend\'s token' };
  if (answer.status !== 200) return { kind: 'wrong', reason: `the backend answered the challenge with HTTP ${answer.status}, not the proof` };
  const got = Buffer.from(answer.body.trim(), 'utf8');
  const want = Buffer.from(expected, 'utf8');
  if (got.length === want.length && timingSafeEqual(got, want)) return { kind: 'proof' };
  return { kind: 'wrong', reason: 'the backend answered with a wrong proof (another token or another service\'s address)' };
}

/** One edge's verification of one backend (token and address): what it reports and when it checks next. */
export interface VerificationRecord {
  state: BackendVerificationState;
  reason: string | null;
  checkedAt: Date | null;
  /** Challenges in a row without the proof (no answer while pending; no answer at a recheck while verified). */
  misses: number;
  nextCheckAt: number;
}

/** Unverified backends are challenged at a low rate: 1, 2, 4 … seconds, at most this often. */
export const VERIFY_RETRY_MAX_SECONDS = 30;
/** A verified backend proves it again this often (an address that changed hands stops proving). */
export const VERIFY_RECHECK_SECONDS = 300;
/** Rechecks in a row without any answer before a verified backend is pending again (its kit stopped). */
export const VERIFY_RECHECK_MISSES = 3;

export function initialVerification(now: number): VerificationRecord {
  return { state: 'pending', reason: 'waiting for the first challenge', checkedAt: null, misses: 0, nextCheckAt: now };
}

/**
 * The next record after a challenge. A proof verifies; a wrong answer fails at once (something
 * answers for this address, and it is not this backend's kit); no answer leaves a pending or failed
 * backend as it was and takes a verified one back to pending only after VERIFY_RECHECK_MISSES
 * rechecks in a row (health checks, not this, catch a backend that is down).
 */
export function nextVerification(prev: VerificationRecord, outcome: ChallengeOutcome, now: number): VerificationRecord {
  const checkedAt = new Date(now);
  const retry = (misses: number) => now + Math.min(VERIFY_RETRY_MAX_SECONDS, 2 ** Math.max(0, misses - 1)) * 1000;
  if (outcome.kind === 'proof') return { state: 'verified', reason: null, checkedAt, misses: 0, nextCheckAt: now + VERIFY_RECHECK_SECONDS * 1000 };
  if (outcome.kind === 'wrong') return { state: 'failed', reason: outcome.reason, checkedAt, misses: prev.misses + 1, nextCheckAt: retry(prev.misses + 1) };
  if (prev.state === 'verified') {
    const misses = prev.misses + 1;
    if (misses < VERIFY_RECHECK_MISSES) return { ...prev, checkedAt, misses, nextCheckAt: now + (VERIFY_RECHECK_SECONDS * 1000) / VERIFY_RECHECK_MISSES };
    return { state: 'pending', reason: `${outcome.reason}; the kit stopped answering`, checkedAt, misses, nextCheckAt: retry(misses) };
  }
  return { state: prev.state, reason: prev.state === 'failed' ? prev.reason : outcome.reason, checkedAt, misses: prev.misses + 1, nextCheckAt: retry(prev.misses + 1) };
}

/** One edge's latest verification report of one backend. */
export interface BackendVerificationReport {
  backendId: string;
  state: BackendVerificationState;
  reason: string | null;
  checkedAt: Date | null;
  reportedAt: Date;
}

export interface BackendVerificationSummary {
  verification: BackendVerificationState;
  verification_reason: string | null;
  verification_checked_at: string | null;
}

/**
 * A backend's verification over the edges' fresh reports: failed when any edge saw a wrong answer,
 * verified when some edge has the proof and none saw a wrong answer, else pending. The reason and
 * time come from the report that decided it.
 */
export function summarizeVerification(reports: BackendVerificationReport[], now: Date, staleAfterMs: number): BackendVerificationSummary {
  const fresh = reports.filter((r) => now.getTime() - r.reportedAt.getTime() <= staleAfterMs);
  const latest = (rs: BackendVerificationReport[]) => [...rs].sort((a, b) => (b.checkedAt?.getTime() ?? 0) - (a.checkedAt?.getTime() ?? 0))[0];
  for (const state of ['failed', 'verified', 'pending'] as const) {
    const r = latest(fresh.filter((x) => x.state === state));
    if (r) return { verification: state, verification_reason: state === 'verified' ? null : r.reason, verification_checked_at: r.checkedAt?.toISOString() ?? null };
  }
  return { verification: 'pending', verification_reason: 'no edge has challenged this backend yet', verification_checked_at: null };
}

/**
 * What a verdict is about: the token and the backend's address. An edge's verdict holds only while
 * both stay (a new token or another server proves itself again).
 */
export function verificationBinding(token: string, backendAddress: string): string {
  return `${verifyTokenId(token)}@${canonicalAddress(backendAddress)}`;
}
