import { Socket } from 'node:net';
import type { HealthCheck } from '@anyfront/contracts';

export interface ProbeTarget {
  serviceId: string;
  backendId: string;
  /** Anycast address the probe connects to (the backend serves it once decapsulated). */
  address: string;
  /** Its family: a service with both is probed over both (a backend is healthy when every family passes). */
  family?: 4 | 6;
  /** Edge address the probe leaves from. */
  localAddress: string;
  /** Two source ports: nft marks probes from them with the backend's mark, so they take its tunnel. */
  ports: [number, number];
  check: HealthCheck;
  /** The backend's unicast address (a new address is a new server: it proves itself again). */
  backendAddress?: string;
  /** Set when the desired state demands the backend kit's ownership proof (backend-verification). */
  verifyToken?: string;
  /**
   * After a passing health probe, probe the path MTU too (the kit on the backend answers it:
   * libs/domain path-mtu.ts); a pass holds for recheckSeconds.
   */
  pathMtu?: { recheckSeconds: number };
}

export type ProbeFn = (t: ProbeTarget, port: number) => Promise<boolean>;

/** What a challenge saw: the HTTP status and body, or why there was no answer. */
export type ChallengeAnswer = { status: number; body: string } | { error: string };
/**
 * `dport`: the kit's port (BACKEND_VERIFY_PORT, passed in: the probe child imports no runtime module but this one).
 * `body`: a POST with that many bytes (the path MTU probe) instead of a GET.
 */
export type ChallengeFn = (t: ProbeTarget, port: number, path: string, dport: number, body?: number) => Promise<ChallengeAnswer>;

/** Largest challenge answer read: the proof is 64 hex digits. */
const CHALLENGE_MAX_BYTES = 2048;

/**
 * A request to the backend kit through the tunnel: like a probe (same source ports, so the same mark
 * and tunnel), to the kit's port on the anycast address. The ownership challenge is a GET; the path
 * MTU probe a POST whose headers and body go in one write, so TCP sends them in full-size segments
 * (the MSS the kit clamped). Returns what came back; the caller judges it (libs/domain judgeChallenge,
 * judgePathMtu).
 */
export const challengeProbe: ChallengeFn = (t, port, path, dport, body) =>
  new Promise((resolve) => {
    const sock = new Socket();
    let done = false;
    let buf = '';
    const finish = (a: ChallengeAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.removeAllListeners('data');
      if (!sock.destroyed) sock.resetAndDestroy();
      resolve(a);
    };
    const parse = (final: boolean) => {
      const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(buf);
      if (!head) return final || buf.length > CHALLENGE_MAX_BYTES ? finish({ error: 'not an HTTP answer' }) : undefined;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return final || buf.length > CHALLENGE_MAX_BYTES ? finish({ error: 'incomplete HTTP answer' }) : undefined;
      const headers = buf.slice(0, end);
      const len = /\r\ncontent-length: *(\d+)/i.exec(headers);
      let body = buf.slice(end + 4);
      if (len ? body.length < Number(len[1]) && !final && buf.length <= CHALLENGE_MAX_BYTES : !final && buf.length <= CHALLENGE_MAX_BYTES) return;
      // A chunked body (not what the kit sends, but any HTTP server may): its one chunk.
      if (!len && /\r\ntransfer-encoding: *chunked/i.test(headers)) body = /^[0-9a-fA-F]+\r\n([^\r]*)\r\n/.exec(body)?.[1] ?? body;
      finish({ status: Number(head[1]), body: len ? body.slice(0, Number(len[1])) : body });
    };
    const timer = setTimeout(() => finish({ error: 'timed out' }), Math.max(1, t.check.timeout_seconds) * 1000);
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    sock.on('close', () => parse(true));
    sock.on('end', () => parse(true));
    sock.connect({ host: t.address, port: dport, localAddress: t.localAddress, localPort: port }, () => {
      const host = t.address.includes(':') ? `[${t.address}]` : t.address;
      const head = `${body === undefined ? 'GET' : 'POST'} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: anyfront-edge-agent\r\nConnection: close\r\n`;
      sock.write(body === undefined ? `${head}\r\n` : `${head}Content-Type: application/octet-stream\r\nContent-Length: ${body}\r\n\r\n${'x'.repeat(body)}`);
      sock.on('data', (d: Buffer) => { buf += d.toString('latin1'); parse(false); });
    });
  });

/**
 * A probe through the tunnel: TCP connect (and for http a GET expecting 2xx/3xx) from the edge's
 * own address and a per-backend source port to the anycast address. The nft output chain marks it
 * with the backend's mark, so it is encapsulated exactly like client traffic: a backend that cannot
 * decapsulate (or whose server is down) fails it. Closed with RST so the fixed source port is
 * immediately reusable (no TIME_WAIT).
 */
export const tcpProbe: ProbeFn = (t, port) =>
  new Promise((resolve) => {
    const sock = new Socket();
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.removeAllListeners('data');
      if (!sock.destroyed) sock.resetAndDestroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), t.check.timeout_seconds * 1000);
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
    sock.connect({ host: t.address, port: t.check.port, localAddress: t.localAddress, localPort: port }, () => {
      if (t.check.protocol === 'tcp') return finish(true);
      const host = t.address.includes(':') ? `[${t.address}]` : t.address;
      sock.write(`GET ${t.check.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: anyfront-edge-agent\r\nConnection: close\r\n\r\n`);
      let head = '';
      sock.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (m) finish(Number(m[1]) >= 200 && Number(m[1]) < 400);
        else if (head.length > 64 || head.includes('\n')) finish(false);
      });
    });
  });
