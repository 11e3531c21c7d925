import {
  canonicalAddress,
  challengePath,
  initialVerification,
  judgeChallenge,
  newVerifyToken,
  nextVerification,
  parseChallengePath,
  summarizeVerification,
  verifyProof,
  verifyTokenId,
  VERIFY_RECHECK_MISSES,
  VERIFY_RECHECK_SECONDS,
  VERIFY_RETRY_MAX_SECONDS,
  type BackendVerificationReport,
} from './backend-verification';
import { VERIFY_TOKEN_PATTERN } from '@anyfront/contracts';

const A = `afv_${'a'.repeat(64)}`;
const B = `afv_${'b'.repeat(64)}`;
const NONCE = '0123456789abcdef0123456789abcdef';

describe('backend verification proof', () => {
  it('tokens are fresh, well formed and named by an id that does not reveal them', () => {
    const t = newVerifyToken();
    expect(t).toMatch(VERIFY_TOKEN_PATTERN);
    expect(newVerifyToken()).not.toBe(t);
    expect(verifyTokenId(t)).toMatch(/^[0-9a-f]{16}$/);
    expect(t).not.toContain(verifyTokenId(t));
  });

  it('the challenge path round-trips; anything else is not a challenge', () => {
    const p = challengePath(A, NONCE);
    expect(parseChallengePath(p)).toEqual({ tokenId: verifyTokenId(A), nonce: NONCE });
    for (const bad of ['/', `${p}&x=1`, p.replace('nonce', 'n'), '/.well-known/anyfront-verify/zz?nonce=00', `/.well-known/anyfront-verify/${verifyTokenId(A)}?nonce=${'0'.repeat(65)}`]) {
      expect(parseChallengePath(bad)).toBeNull();
    }
  });

  it('binds the proof to the token, the nonce and the anycast address it was asked at', () => {
    const p = verifyProof(A, NONCE, '192.0.2.10');
    expect(p).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyProof(B, NONCE, '192.0.2.10')).not.toBe(p);
    expect(verifyProof(A, NONCE.replace('0', '1'), '192.0.2.10')).not.toBe(p);
    expect(verifyProof(A, NONCE, '192.0.2.11')).not.toBe(p);
    // A dual-stack socket sees IPv4 as ::ffff:a.b.c.d; IPv6 in any spelling is the same address.
    expect(verifyProof(A, NONCE, '::ffff:192.0.2.10')).toBe(p);
    expect(verifyProof(A, NONCE, 'fd00:a0:0::10')).toBe(verifyProof(A, NONCE, 'fd00:a0::10'));
    expect(canonicalAddress('FD00:A0::0:10')).toBe('fd00:a0::10');
  });

  it('judges answers: proof, wrong (another token, 404, other status), no answer', () => {
    const want = verifyProof(A, NONCE, '192.0.2.10');
    expect(judgeChallenge(want, { status: 200, body: `${want}\n` })).toEqual({ kind: 'proof' });
    expect(judgeChallenge(want, { status: 200, body: verifyProof(B, NONCE, '192.0.2.10') }).kind).toBe('wrong');
    expect(judgeChallenge(want, { status: 200, body: '' }).kind).toBe('wrong');
    expect(judgeChallenge(want, { status: 404, body: 'unknown token' })).toMatchObject({ kind: 'wrong', reason: expect.stringContaining('no token for this backend') });
    expect(judgeChallenge(want, { status: 500, body: want }).kind).toBe('wrong');
    expect(judgeChallenge(want, { error: 'ECONNREFUSED' })).toMatchObject({ kind: 'no-answer', reason: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('nextVerification', () => {
  const t0 = 1_000_000;
  const proof = { kind: 'proof' } as const;
  const wrong = { kind: 'wrong', reason: 'wrong proof' } as const;
  const none = { kind: 'no-answer', reason: 'timeout' } as const;

  it('pending until the proof; unanswered challenges back off to the low rate', () => {
    let r = initialVerification(t0);
    expect(r).toMatchObject({ state: 'pending', nextCheckAt: t0 });
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      const now = r.nextCheckAt;
      r = nextVerification(r, none, now);
      expect(r.state).toBe('pending');
      gaps.push((r.nextCheckAt - now) / 1000);
    }
    expect(gaps).toEqual([1, 2, 4, 8, 16, VERIFY_RETRY_MAX_SECONDS, VERIFY_RETRY_MAX_SECONDS, VERIFY_RETRY_MAX_SECONDS]);
    expect(r.reason).toContain('timeout');
    r = nextVerification(r, proof, t0 + 1);
    expect(r).toMatchObject({ state: 'verified', reason: null, misses: 0, nextCheckAt: t0 + 1 + VERIFY_RECHECK_SECONDS * 1000 });
  });

  it('a wrong answer fails at once, also a verified backend; failed stays failed without an answer', () => {
    const v = nextVerification(initialVerification(t0), proof, t0);
    const f = nextVerification(v, wrong, t0 + 5);
    expect(f).toMatchObject({ state: 'failed', reason: 'wrong proof' });
    expect(nextVerification(f, none, t0 + 10)).toMatchObject({ state: 'failed', reason: 'wrong proof' });
    expect(nextVerification(f, proof, t0 + 20).state).toBe('verified');
  });

  it('a verified backend whose kit stops answering is pending again only after the recheck misses', () => {
    let r = nextVerification(initialVerification(t0), proof, t0);
    for (let i = 1; i < VERIFY_RECHECK_MISSES; i++) {
      r = nextVerification(r, none, r.nextCheckAt);
      expect(r.state).toBe('verified');
    }
    r = nextVerification(r, none, r.nextCheckAt);
    expect(r).toMatchObject({ state: 'pending', reason: expect.stringContaining('stopped answering') });
  });
});

describe('summarizeVerification', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const rep = (state: BackendVerificationReport['state'], ageS: number, reason: string | null = null): BackendVerificationReport => ({
    backendId: 'b', state, reason, checkedAt: new Date(now.getTime() - ageS * 1000), reportedAt: new Date(now.getTime() - ageS * 1000),
  });

  it('failed wins over verified, verified over pending; stale reports say nothing', () => {
    expect(summarizeVerification([], now, 60_000)).toMatchObject({ verification: 'pending', verification_checked_at: null });
    expect(summarizeVerification([rep('pending', 1, 'no answer'), rep('verified', 2)], now, 60_000)).toEqual({ verification: 'verified', verification_reason: null, verification_checked_at: new Date(now.getTime() - 2000).toISOString() });
    expect(summarizeVerification([rep('verified', 1), rep('failed', 3, 'wrong proof')], now, 60_000)).toMatchObject({ verification: 'failed', verification_reason: 'wrong proof' });
    expect(summarizeVerification([rep('failed', 120, 'old')], now, 60_000).verification).toBe('pending');
    expect(summarizeVerification([rep('pending', 5, 'a'), rep('pending', 1, 'b')], now, 60_000).verification_reason).toBe('b');
  });
});
