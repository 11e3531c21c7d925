import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { challengePath, judgeChallenge, judgePathMtu, PATH_MTU_PROBE_BYTES, pathMtuProbePath, verifyProof } from '@anyfront/domain';
import { changeTokens, readTokens, startAnswerer } from './answer';

const A = `afv_${'a1'.repeat(32)}`;
const B = `afv_${'b2'.repeat(32)}`;
const NONCE = '00112233445566778899aabbccddeeff';

/** The kit's answerer on loopback (real sockets; in the lab it answers at the anycast address through the tunnel). */
describe('backend kit: challenge answerer', () => {
  let dir: string;
  let file: string;
  let server: Server;
  let port: number;
  const get = async (path: string, host = '127.0.0.1') => {
    const r = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`);
    return { status: r.status, body: await r.text() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'afk-answer-'));
    file = join(dir, 'tokens');
    changeTokens(file, [A]);
    server = await startAnswerer({ tokenFile: file, port: 0 });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a held token with the proof for the address the request arrived at; the edge accepts it', async () => {
    const r = await get(challengePath(A, NONCE));
    expect(r.status).toBe(200);
    expect(judgeChallenge(verifyProof(A, NONCE, '127.0.0.1'), r)).toEqual({ kind: 'proof' });
    // Bound to the address: the same answer is no proof for another anycast address.
    expect(judgeChallenge(verifyProof(A, NONCE, '192.0.2.10'), r).kind).toBe('wrong');
    // IPv6 too (the answerer listens dual-stack).
    const r6 = await get(challengePath(A, NONCE), '::1');
    expect(judgeChallenge(verifyProof(A, NONCE, '::1'), r6)).toEqual({ kind: 'proof' });
  });

  it('a token it does not hold: 404, which the edge judges failed; anything else: 400', async () => {
    const r = await get(challengePath(B, NONCE));
    expect(r.status).toBe(404);
    expect(judgeChallenge(verifyProof(B, NONCE, '127.0.0.1'), r).kind).toBe('wrong');
    expect((await get('/')).status).toBe(400);
    expect((await get(`${challengePath(A, NONCE)}&x=1`)).status).toBe(400);
  });

  it('token add and remove take effect without a restart; the file is private and refuses non-tokens', async () => {
    changeTokens(file, [B]);
    expect((await get(challengePath(B, NONCE))).status).toBe(200);
    changeTokens(file, [], [B]);
    expect((await get(challengePath(B, NONCE))).status).toBe(404);
    expect(readTokens(file)).toEqual([A]);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(() => changeTokens(file, ['afv_short'])).toThrow(/not a backend verification token/);
    expect(readFileSync(file, 'utf8')).toContain(A);
  });

  it('takes the edges\' path MTU probe: the whole body acknowledged (which the edge judges a pass), an oversized one refused', async () => {
    const nonce = '0123456789abcdef';
    const post = async (bytes: number) => {
      const r = await fetch(`http://127.0.0.1:${port}${pathMtuProbePath(nonce)}`, { method: 'POST', body: 'x'.repeat(bytes) });
      return { status: r.status, body: await r.text() };
    };
    const r = await post(PATH_MTU_PROBE_BYTES);
    expect(r).toEqual({ status: 200, body: `anyfront-mtu-v1 ${nonce} ${PATH_MTU_PROBE_BYTES}\n` });
    expect(judgePathMtu(r, nonce, PATH_MTU_PROBE_BYTES)).toBeNull();
    await expect(post(70_000)).resolves.toMatchObject({ status: 413 });
    // A GET to the probe path is no challenge either.
    expect((await get(pathMtuProbePath(nonce))).status).toBe(400);
  });
});
