import { signWebhook, verifyWebhookSignature, webhookAddressRefusal, webhookUrlRefusal } from './webhooks';

describe('webhook delivery URLs', () => {
  const prod = { localMode: false };
  const local = { localMode: true };

  it('accepts https URLs on public hosts and public addresses', () => {
    expect(webhookUrlRefusal('https://hooks.example.com/anyfront?x=1', prod)).toBeNull();
    expect(webhookUrlRefusal('https://45.67.89.10:8443/hook', prod)).toBeNull();
    expect(webhookUrlRefusal('https://[2a0e:1234:5600::10]/hook', prod)).toBeNull();
  });

  it('refuses http, credentials, fragments, local names and special-range addresses outside local mode', () => {
    expect(webhookUrlRefusal('http://hooks.example.com/', prod)).toMatch(/https/);
    expect(webhookUrlRefusal('https://user:pw@hooks.example.com/', prod)).toMatch(/credentials/);
    expect(webhookUrlRefusal('https://hooks.example.com/#x', prod)).toMatch(/fragment/);
    expect(webhookUrlRefusal('https://localhost/', prod)).toMatch(/public DNS name|local name/);
    expect(webhookUrlRefusal('https://db.internal/', prod)).toMatch(/local name/);
    for (const a of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '169.254.169.254', '[::1]', '[fe80::1]', '[fd00::1]', '192.0.2.10', '0.0.0.0']) {
      expect([a, webhookUrlRefusal(`https://${a}/`, prod)]).toEqual([a, expect.stringMatching(/not a public unicast address/)]);
    }
    expect(webhookUrlRefusal('https://2130706433/', prod)).not.toBeNull(); // 127.0.0.1 as one number
    expect(webhookUrlRefusal('ftp://hooks.example.com/', prod)).not.toBeNull();
    expect(webhookUrlRefusal('not a url', prod)).not.toBeNull();
  });

  it('local mode accepts http and loopback/private receivers, still not multicast or unspecified', () => {
    expect(webhookUrlRefusal('http://127.0.0.1:9000/hook', local)).toBeNull();
    expect(webhookUrlRefusal('http://10.0.0.5/hook', local)).toBeNull();
    expect(webhookAddressRefusal('::1', local)).toBeNull();
    expect(webhookAddressRefusal('224.0.0.1', local)).not.toBeNull();
    expect(webhookAddressRefusal('0.0.0.0', local)).not.toBeNull();
    // Negative control of the mode switch: the same receiver outside local mode.
    expect(webhookAddressRefusal('127.0.0.1', prod)).not.toBeNull();
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'relocation.notice' });
  it('verifies its own signature and refuses a changed body, another secret, a stale or garbled header', () => {
    const h = signWebhook('whsec_a', body, 1_000_000);
    expect(h).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(h, body, 'whsec_a', 1_000_010)).toBe(true);
    expect(verifyWebhookSignature(h, `${body} `, 'whsec_a', 1_000_010)).toBe(false);
    expect(verifyWebhookSignature(h, body, 'whsec_b', 1_000_010)).toBe(false);
    expect(verifyWebhookSignature(h, body, 'whsec_a', 1_000_000 + 301)).toBe(false);
    expect(verifyWebhookSignature(h.replace('t=1000000', 't=1000001'), body, 'whsec_a', 1_000_010)).toBe(false);
    expect(verifyWebhookSignature('v1=abc', body, 'whsec_a', 1_000_010)).toBe(false);
    expect(verifyWebhookSignature(undefined, body, 'whsec_a', 1_000_010)).toBe(false);
  });
});
