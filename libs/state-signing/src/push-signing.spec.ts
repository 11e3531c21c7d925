import { PUSH_MAX_SKEW_SECONDS, signPushRequest, verifyPushRequest } from './push-signing';
import { describeKey, generateStateSigner, trustedStateKeys } from './state-signing';

describe('push request signatures', () => {
  const signer = generateStateSigner();
  const trusted = trustedStateKeys([describeKey(signer.publicKey).public_key]);
  const req = { method: 'POST', path: '/v1/desired-state', nodeId: 'node-a', body: '{"generation":7}' };
  const now = Date.UTC(2026, 11, 2, 0, 0, 0);
  const header = signPushRequest(req, signer, now);

  it('verifies a request signed by a trusted key for this node, path and body', () => {
    expect(verifyPushRequest(header, req, trusted, now + 1000)).toEqual({ ok: true, keyId: signer.keyId });
  });

  it('refuses every change: body, path, method, node, stale or future timestamps, unknown keys, missing or malformed headers', () => {
    const refused = (h: string | undefined, r = req, at = now) => {
      const v = verifyPushRequest(h, r, trusted, at);
      return v.ok ? 'accepted' : v.reason;
    };
    expect(refused(header, { ...req, body: '{"generation":9007199254740991}' })).toMatch(/bad push signature/);
    expect(refused(header, { ...req, path: '/v1/drain' })).toMatch(/bad push signature/);
    expect(refused(header, { ...req, method: 'PUT' })).toMatch(/bad push signature/);
    expect(refused(header, { ...req, nodeId: 'node-b' })).toMatch(/signed for node node-a/);
    expect(refused(header.replace('node=node-a', 'node=node-b'), { ...req, nodeId: 'node-b' })).toMatch(/bad push signature/);
    expect(refused(header, req, now + (PUSH_MAX_SKEW_SECONDS + 5) * 1000)).toMatch(/timestamp/);
    expect(refused(header, req, now - (PUSH_MAX_SKEW_SECONDS + 5) * 1000)).toMatch(/timestamp/);
    expect(refused(signPushRequest(req, generateStateSigner(), now))).toMatch(/unknown key/);
    expect(refused(undefined)).toMatch(/no anyfront-push-signature header/);
    expect(refused('garbage')).toMatch(/malformed/);
    const t = Math.floor(now / 1000);
    expect(refused(header.replace(`t=${t}`, `t=${t + 1}`))).toMatch(/bad push signature/);
  });
});
