import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthCheck } from '@anyfront/contracts';
import { challengeProbe, type ProbeTarget } from './probe';

const check: HealthCheck = { protocol: 'tcp', port: 80, path: '/', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 };

/** The challenge's HTTP reading against real servers on loopback (through the tunnel in the lab). */
describe('challengeProbe', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/length') { res.writeHead(200, { 'content-length': '4', connection: 'close' }); res.end('abcd'); }
      else if (req.url === '/count') { let n = 0; req.on('data', (d: Buffer) => { n += d.length; }); req.on('end', () => { res.writeHead(200, { 'content-length': String(String(n).length), connection: 'close' }); res.end(String(n)); }); }
      else if (req.url === '/chunked') { res.writeHead(404, { connection: 'close' }); res.write('no such'); res.end(); }
      else { req.socket.destroy(); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  const t: ProbeTarget = { serviceId: 's', backendId: 'b', address: '127.0.0.1', localAddress: '127.0.0.1', ports: [0, 0], check };

  it('reads status and body (with a length or chunked); a dropped connection or no listener is no answer', async () => {
    expect(await challengeProbe(t, 0, '/length', port)).toEqual({ status: 200, body: 'abcd' });
    expect(await challengeProbe(t, 0, '/chunked', port)).toEqual({ status: 404, body: 'no such' });
    expect(await challengeProbe(t, 0, '/drop', port)).toHaveProperty('error');
    // The path MTU probe's POST: the body arrives whole.
    expect(await challengeProbe(t, 0, '/count', port, 4000)).toEqual({ status: 200, body: '4000' });
    server.close();
    expect(await challengeProbe(t, 0, '/length', port)).toEqual({ error: 'ECONNREFUSED' });
  });
});
