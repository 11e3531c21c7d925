import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { VERIFY_TOKEN_PATTERN } from '@anyfront/contracts';
import { isVerifyToken, parseChallengePath, parsePathMtuProbePath, pathMtuAnswer, PATH_MTU_PROBE_MAX_BYTES, verifyProof, verifyTokenId } from '@anyfront/domain';

/** Where `up --verify-token` and `token add` keep this server's backend tokens (one per line). */
export const DEFAULT_TOKEN_FILE = '/etc/anyfront-backend/verify-tokens';

/** The tokens in the file (missing file: none); lines that are not tokens (comments) are skipped. */
export function readTokens(file: string): string[] {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return text.split('\n').map((l) => l.trim()).filter(isVerifyToken);
}

/** Adds or removes tokens (written atomically, mode 0600: the file is this server's proof material). */
export function changeTokens(file: string, add: string[], remove: string[] = []): string[] {
  const bad = [...add, ...remove].filter((t) => !VERIFY_TOKEN_PATTERN.test(t));
  if (bad.length) throw new Error(`not a backend verification token (afv_ + 64 hex digits, from the portal or the API): ${bad.map((t) => t.slice(0, 12)).join(', ')}`);
  const next = [...new Set([...readTokens(file), ...add])].filter((t) => !remove.includes(t));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `# Anyfront backend verification tokens, one per backend registration (backend kit)\n${next.map((t) => `${t}\n`).join('')}`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return next;
}

/**
 * The challenge answerer: an edge asks through the tunnel, at the service's anycast address,
 *   GET /.well-known/anyfront-verify/<token id>?nonce=<hex>
 * and gets the proof for that token, bound to the address the request arrived at (the socket's
 * local address: only a request that was decapsulated here and delivered to the anycast address on
 * lo gets the proof an edge accepts). 404 when this server holds no such token. The token file is
 * read per request, so `token add` takes effect without a restart.
 *
 * It also takes the edges' path MTU probe (libs/domain path-mtu.ts): `POST /.well-known/anyfront-mtu?nonce=<hex>`
 * with a body sent in full-size segments; the answer, after the whole body arrived, names the bytes
 * received. No token involved: it proves only that large packets reach this server through the tunnel.
 */
export function startAnswerer(o: { tokenFile: string; port: number; host?: string; log?: (line: string) => void }): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: string) => {
      // A plain body with its length (no chunked encoding): the edges read the answer with a minimal parser.
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', connection: 'close' });
      res.end(body);
    };
    const mtuNonce = req.method === 'POST' ? parsePathMtuProbePath(req.url ?? '') : null;
    if (mtuNonce) {
      // Answered only once the whole body is in: the answer is the proof that every segment arrived.
      let bytes = 0;
      req.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes > PATH_MTU_PROBE_MAX_BYTES) { reply(413, 'path MTU probe too large\n'); req.destroy(); }
      });
      req.on('end', () => { if (!res.headersSent) reply(200, pathMtuAnswer(mtuNonce, bytes)); });
      return;
    }
    const c = req.method === 'GET' ? parseChallengePath(req.url ?? '') : null;
    if (!c) return reply(400, 'not an Anyfront verification challenge\n');
    let token: string | undefined;
    try { token = readTokens(o.tokenFile).find((t) => verifyTokenId(t) === c.tokenId); } catch (e) {
      o.log?.(`cannot read ${o.tokenFile}: ${(e as Error).message}`);
      return reply(500, 'token file unreadable\n');
    }
    const local = req.socket.localAddress;
    if (!token || !local) {
      o.log?.(`challenge for unknown token ${c.tokenId} at ${local ?? '?'}`);
      return reply(404, 'no such token on this backend\n');
    }
    o.log?.(`answered challenge for token ${c.tokenId} at ${local}`);
    reply(200, verifyProof(token, c.nonce, local));
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '::', () => resolve(server));
  });
}
