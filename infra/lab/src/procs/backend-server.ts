/**
 * Tiny HTTP server run inside a backend namespace, bound to all addresses (so it answers on the
 * anycast address on lo). It reports which backend answered and the client address it sees.
 *   GET /whoami            {backend, client, client_port, local}
 *   GET /bytes?n=N&rate=R  N bytes, at most R bytes/s when rate is given (long downloads)
 *   POST /upload           counts the body, answers {backend, bytes}
 *   GET /health            200
 *   GET /stats             {backend, udp_datagrams}
 * It also listens on every extra port given (same handlers) and counts UDP datagrams to the main port,
 * so a listener test can prove that traffic the edge must drop never arrives here.
 * Usage: backend-server.ts <name> <port> [extra-port...]
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { createSocket } from 'node:dgram';

const name = process.argv[2] ?? 'backend';
const port = Number(process.argv[3] ?? 80);
const extraPorts = process.argv.slice(4).map(Number);
let udpDatagrams = 0;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** IPv4 peers of a dual-stack socket show up as ::ffff:a.b.c.d. */
const plain = (a: string | undefined): string | undefined => a?.replace(/^::ffff:/, '');

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-backend': name });
  res.end(JSON.stringify(body));
}

function sendBytes(res: ServerResponse, n: number, rate: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n), 'x-backend': name });
  let left = n;
  const take = (max: number): Buffer => {
    const size = Math.min(left, CHUNK.length, max);
    left -= size;
    return size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size);
  };
  res.on('close', () => { left = 0; });
  if (rate > 0) {
    // Rate-limited: a slice every 50 ms (small rates, so socket backpressure does not matter).
    const perTick = Math.max(1, Math.floor(rate / 20));
    const tick = (): void => {
      if (left <= 0) { res.end(); return; }
      res.write(take(perTick));
      setTimeout(tick, 50);
    };
    tick();
    return;
  }
  const pump = (): void => {
    while (left > 0) {
      if (!res.write(take(CHUNK.length))) { res.once('drain', pump); return; }
    }
    res.end();
  };
  pump();
}

const handler = (req: IncomingMessage, res: ServerResponse): void => {
  const url = new URL(req.url ?? '/', 'http://lab');
  const sock = req.socket;
  if (req.method === 'GET' && url.pathname === '/whoami') {
    json(res, 200, { backend: name, client: plain(sock.remoteAddress), client_port: sock.remotePort, local: plain(sock.localAddress) });
  } else if (req.method === 'GET' && url.pathname === '/health') {
    json(res, 200, { backend: name, ok: true });
  } else if (req.method === 'GET' && url.pathname === '/stats') {
    json(res, 200, { backend: name, udp_datagrams: udpDatagrams });
  } else if (req.method === 'GET' && url.pathname === '/bytes') {
    const n = Number(url.searchParams.get('n') ?? '0');
    const rate = Number(url.searchParams.get('rate') ?? '0');
    if (!Number.isInteger(n) || n < 0 || !Number.isFinite(rate) || rate < 0) json(res, 400, { error: 'n must be a non-negative integer, rate >= 0' });
    else sendBytes(res, n, rate);
  } else if (req.method === 'POST' && url.pathname === '/upload') {
    let bytes = 0;
    req.on('data', (c: Buffer) => { bytes += c.length; });
    req.on('end', () => json(res, 200, { backend: name, bytes, client: plain(sock.remoteAddress) }));
  } else {
    json(res, 404, { error: 'not found' });
  }
};
const servers = [port, ...extraPorts].map((p) => {
  const server = createServer(handler);
  server.keepAliveTimeout = 1000;
  server.listen(p, '::', () => console.log(`${name} listening on tcp ${p}`));
  return server;
});
const udp = createSocket({ type: 'udp6' });
udp.on('message', () => { udpDatagrams += 1; });
udp.bind(port, '::');
process.on('SIGTERM', () => { for (const s of servers) { s.close(); s.closeAllConnections(); } udp.close(); process.exit(0); });
