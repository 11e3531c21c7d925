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
}

export type ProbeFn = (t: ProbeTarget, port: number) => Promise<boolean>;

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
