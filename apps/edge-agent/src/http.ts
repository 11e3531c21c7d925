import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { type KeyObject, timingSafeEqual } from 'node:crypto';
import { precheckPushSignature, PUSH_SIGNATURE_HEADER, verifyPushRequest } from '@anyfront/state-signing';
import type { Agent } from './agent';
import { datapathSchema } from './xdp/config';

const MAX_BODY = 64 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function problem(res: ServerResponse, status: number, title: string, detail: string, extra: object = {}): void {
  send(res, status, { type: 'about:blank', title, status, detail, ...extra }, 'application/problem+json');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A peer on this host (the lab's helpers, a local Prometheus or operator). */
export function fromLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** How the agent checks the control plane's push signature: its node id and the desired-state keys it trusts. */
export interface PushAuth {
  nodeId: string;
  trusted: () => ReadonlyMap<string, KeyObject>;
}

/** The agent's small local HTTP API (see README). */
export function createAgentServer(agent: Agent, pushToken: string | undefined, pushAuth?: PushAuth, tls?: { cert: string; key: string }): Server | TlsServer {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(agent, pushToken, pushAuth, req, res).catch((e) => {
      if (!res.headersSent) problem(res, 500, 'Internal error', (e as Error).message);
    });
  };
  return tls ? createTlsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
}

async function handle(agent: Agent, token: string | undefined, pushAuth: PushAuth | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const route = `${req.method} ${path}`;
  const needAuth = () => {
    if (authorized(req, token)) return false;
    problem(res, 401, 'Unauthorized', token ? 'send Authorization: Bearer <push_token>' : 'pushing is disabled: the agent has no push_token configured');
    return true;
  };
  // Status and metrics list every tenant's backends: open to this host only, else the token.
  const readAuth = () => {
    if (fromLoopback(req) || authorized(req, token)) return false;
    problem(res, 401, 'Unauthorized', 'status and metrics answer peers on this host; from elsewhere send Authorization: Bearer <push_token>');
    return true;
  };
  switch (route) {
    case 'GET /v1/status':
      if (readAuth()) return;
      return send(res, 200, agent.status());
    case 'GET /metrics': {
      if (readAuth()) return;
      const m = await agent.metricsText();
      return send(res, 200, m.text, m.contentType);
    }
    case 'POST /v1/desired-state': {
      // The control plane signs each push (SECURITY.md, push channel); the bearer token is for this host's own tooling.
      const bearer = authorized(req, token);
      const signature = req.headers[PUSH_SIGNATURE_HEADER] as string | undefined;
      if (!bearer) {
        // Checked before the body is read: an unauthenticated peer cannot make the agent buffer one.
        const pre = pushAuth ? precheckPushSignature(signature, { nodeId: pushAuth.nodeId }, pushAuth.trusted()) : { ok: false as const, reason: 'no push signature check configured' };
        if (!pre.ok) return problem(res, 401, 'Unauthorized', `${pre.reason}; pushes must be signed by the control plane (or, from this host's tooling, send Authorization: Bearer <push_token>)`);
      }
      let text: string;
      try {
        text = await readBody(req);
      } catch (e) {
        return problem(res, 413, 'Payload too large', (e as Error).message);
      }
      if (!bearer && pushAuth) {
        const v = verifyPushRequest(signature, { method: 'POST', path, nodeId: pushAuth.nodeId, body: text }, pushAuth.trusted());
        if (!v.ok) return problem(res, 401, 'Unauthorized', v.reason);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        return problem(res, 400, 'Bad request', `body must be one JSON desired state: ${(e as Error).message}`);
      }
      // The control plane asks its PoP's canary for a verdict on its health after the apply (staged rollout).
      const wantVerdict = /[?&]verdict=1(&|$)/.test(req.url ?? '');
      const before = wantVerdict ? await agent.verdictBaseline().catch(() => null) : null;
      const out = await agent.submit(body);
      if (out.status === 200) {
        const verdict = wantVerdict ? (before ? await agent.verdict(before) : { ok: false, reasons: ['could not read its own health before the apply'], failed_services: [] }) : undefined;
        return send(res, 200, { applied: out.applied, generation: out.generation, ...(verdict ? { verdict } : {}) });
      }
      return problem(res, out.status, out.title, out.detail, out.generation !== undefined ? { applied_generation: out.generation } : {});
    }
    case 'POST /v1/datapath': {
      // This host's tooling switches the data path at runtime (kept across restarts); the nft path stays programmed.
      if (needAuth()) return;
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        return problem(res, 400, 'Bad request', `body must be JSON like {"datapath": "xdp"}: ${(e as Error).message}`);
      }
      const d = datapathSchema.safeParse((body as { datapath?: unknown } | null)?.datapath);
      if (!d.success) return problem(res, 400, 'Bad request', 'datapath must be "nft" or "xdp"');
      return send(res, 200, await agent.xdp.setDatapath(d.data));
    }
    case 'POST /v1/drain':
    case 'POST /v1/undrain': {
      if (needAuth()) return;
      const on = path === '/v1/drain';
      await agent.setDrain(on);
      return send(res, 200, { drained: on, announced: agent.reconciler.announced });
    }
    default:
      return problem(res, 404, 'Not found', `no route ${route}; see apps/edge-agent/README.md`);
  }
}
