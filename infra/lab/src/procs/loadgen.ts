/**
 * Client-side load generator, run inside a client namespace; prints one JSON result on stdout.
 * Job (argv[2], JSON):
 *   { kind: 'whoami', host, port?, localPorts?: number[], count?: number, concurrency?: number }
 *   { kind: 'download', host, port?, bytes, rate?, count, localPorts?: number[], timeoutMs? }   (all in parallel; one per local port when given)
 *   { kind: 'upload', host, port?, bytes, timeoutMs? }
 *   { kind: 'udp', host, port?, count }    (count datagrams, fire and forget)
 * Every request uses a new TCP connection (agent: false) so each one is a distinct flow.
 */
import { request, IncomingMessage } from 'node:http';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

interface Job { kind: 'whoami' | 'download' | 'upload' | 'udp'; host: string; port?: number; localPorts?: number[]; count?: number; concurrency?: number; bytes?: number; rate?: number; timeoutMs?: number }
export interface FlowResult { ok: boolean; backend?: string; client?: string; localPort?: number; bytes?: number; expected?: number; ms: number; error?: string }

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const port = job.port ?? 80;

function once(method: string, path: string, opts: { localPort?: number; body?: number; timeoutMs: number; expect?: number }): Promise<FlowResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    // Which backend answered is known from the response headers on; every outcome after that names it.
    let answeredBy: string | undefined;
    let received = 0;
    let announced = false;
    // One line on stderr per flow once it has its response headers (or failed): the caller knows the flows run.
    const announce = (): void => { if (!announced) { announced = true; process.stderr.write('@started\n'); } };
    const done = (r: Omit<FlowResult, 'ms'>): void => {
      announce();
      if (!settled) { settled = true; resolve({ backend: answeredBy, bytes: received, ...r, ms: Date.now() - started }); }
    };
    const req = request({ host: job.host, port, method, path, agent: false, localPort: opts.localPort, headers: opts.body !== undefined ? { 'content-length': String(opts.body) } : {} }, (res: IncomingMessage) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      answeredBy = String(res.headers['x-backend'] ?? '') || undefined;
      announce();
      res.on('data', (c: Buffer) => { bytes += c.length; received = bytes; if (method !== 'GET' || path === '/whoami') chunks.push(c); });
      res.on('end', () => {
        const backend = String(res.headers['x-backend'] ?? '');
        let body: { client?: string; bytes?: number } = {};
        try { if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString()); } catch { /* not JSON */ }
        // For uploads, what counts is what the backend received.
        if (method === 'POST') bytes = body.bytes ?? -1;
        const ok = res.statusCode === 200 && (opts.expect === undefined || bytes === opts.expect);
        done({ ok, backend, client: body.client, localPort: req.socket?.localPort ?? opts.localPort, bytes, expected: opts.expect, error: ok ? undefined : `status ${res.statusCode}, ${bytes} of ${opts.expect ?? '?'} bytes` });
      });
      res.on('error', (e) => done({ ok: false, error: e.message }));
      res.on('aborted', () => done({ ok: false, error: 'aborted' }));
    });
    req.setTimeout(opts.timeoutMs, () => { req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`)); });
    req.on('error', (e) => done({ ok: false, localPort: opts.localPort, error: e.message }));
    if (opts.body !== undefined) {
      // Stream the upload in 64 KiB slices honouring backpressure.
      let left = opts.body;
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      const pump = (): void => {
        while (left > 0) {
          const size = Math.min(left, chunk.length);
          left -= size;
          if (!req.write(size === chunk.length ? chunk : chunk.subarray(0, size))) { req.once('drain', pump); return; }
        }
        req.end();
      };
      pump();
    } else {
      req.end();
    }
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (t: T) => Promise<FlowResult>): Promise<FlowResult[]> {
  const out: FlowResult[] = new Array(items.length);
  // One shared iterator is the work queue: each worker takes the next (index, item) pair.
  const queue = items.entries();
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (const [i, item] of queue) out[i] = await fn(item);
  }));
  return out;
}

async function sendDatagrams(count: number): Promise<FlowResult[]> {
  const sock = createSocket(isIPv6(job.host) ? 'udp6' : 'udp4');
  const out: FlowResult[] = [];
  for (let i = 0; i < count; i++) {
    const started = Date.now();
    await new Promise<void>((resolve) => sock.send(`datagram ${i}\n`, port, job.host, (err) => {
      out.push({ ok: !err, bytes: err ? 0 : 1, ms: Date.now() - started, error: err?.message });
      resolve();
    }));
  }
  sock.close();
  return out;
}

async function main(): Promise<FlowResult[]> {
  const timeoutMs = job.timeoutMs ?? 60_000;
  if (job.kind === 'whoami') {
    const ports: (number | undefined)[] = job.localPorts ?? Array.from({ length: job.count ?? 1 }, () => undefined);
    return pool(ports, job.concurrency ?? 16, (p) => once('GET', '/whoami', { localPort: p, timeoutMs: 10_000 }));
  }
  if (job.kind === 'download') {
    const n = job.bytes ?? 0;
    const path = `/bytes?n=${n}${job.rate ? `&rate=${job.rate}` : ''}`;
    const ports: (number | undefined)[] = job.localPorts ?? Array.from({ length: job.count ?? 1 }, () => undefined);
    return Promise.all(ports.map((p) => once('GET', path, { localPort: p, timeoutMs, expect: n })));
  }
  if (job.kind === 'udp') return sendDatagrams(job.count ?? 1);
  const r = await once('POST', '/upload', { body: job.bytes ?? 0, timeoutMs, expect: job.bytes ?? 0 });
  return [r];
}

main().then((results) => process.stdout.write(JSON.stringify(results)), (e) => { process.stderr.write(String(e)); process.exit(2); });
