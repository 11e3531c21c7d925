import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AgentRegisterRequest, type AgentRegisterResponse, syncEdgeNodeJob } from '@anyfront/contracts';
import { AgentRegistrationRepository, currentPushEndpoint, currentPushUrl, edgeNodeAddresses, type SqlRunner } from '@anyfront/db';
import { LOCAL_MODE, normalizeTlsFingerprint, pushUrlRefusal } from '@anyfront/domain';
import { AppConfig } from '../config';
import { type StateSigningKeys } from '@anyfront/state-signing';
import { AuditService } from '../common/audit.service';
import { Outbox } from '../common/outbox';
import { problems } from '../common/problem';
import { hashAgentSecret, newNodeCredential, newPushToken } from './agent-tokens';
import { BOOTSTRAP_TOKEN_TTL_MINUTES, issueBootstrapToken } from './bootstrap-tokens';
import { FleetChanges } from './fleet-changes';
import { STATE_SIGNING_KEYS } from './state-signing.provider';

/** Bootstrap tokens, registration, node credentials (issue, rotate, revoke). */
@Injectable()
export class AgentRegistrationService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly fleet: FleetChanges,
    private readonly outbox: Outbox,
    @Inject(STATE_SIGNING_KEYS) private readonly keys: StateSigningKeys,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /** 422 unless the worker may push to `pushUrl` for this node (its own address; loopback and http only in the lab/local mode). */
  private async requireAllowedPushUrl(tx: SqlRunner, nodeId: string, pushUrl: string): Promise<void> {
    const own = await edgeNodeAddresses(tx, nodeId);
    if (!own) throw problems.notFound('edge node', nodeId);
    const refusal = pushUrlRefusal(pushUrl, { nodeAddresses: own, labMode: this.config.mode === LOCAL_MODE || this.config.allowDocumentationAddresses });
    if (refusal) throw problems.field(422, 'push_url', refusal, 'push-url-refused');
  }

  /** A one-time token for the node, valid `ttlMinutes`; only its hash is stored. */
  async issueBootstrapToken(edgeNodeId: string, createdBy: string | null, ttlMinutes = BOOTSTRAP_TOKEN_TTL_MINUTES): Promise<{ token: string; expires_at: string }> {
    const { token, expires_at } = await issueBootstrapToken(this.ds, { id: edgeNodeId }, createdBy, ttlMinutes);
    return { token, expires_at };
  }

  /**
   * Consumes the bootstrap token (once, before it expires) and gives the node a new credential;
   * earlier credentials of the node are revoked (a re-registered machine starts over).
   */
  async register(req: AgentRegisterRequest): Promise<AgentRegisterResponse> {
    const credential = newNodeCredential();
    // The agent's own token for its local endpoints (drain, a hand-made push): returned, never stored.
    const pushToken = req.push_token ?? newPushToken();
    const res = await this.ds.transaction(async (tx) => {
      const repo = new AgentRegistrationRepository(tx);
      const nodeId = await repo.consumeBootstrapToken(hashAgentSecret(req.bootstrap_token));
      if (!nodeId) {
        throw problems.unauthenticated('The bootstrap token is unknown, expired or already used. Ask an operator for a new one (POST /v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens).');
      }
      // A refused push_url rolls the transaction back: the bootstrap token stays usable for a corrected registration.
      await this.requireAllowedPushUrl(tx, nodeId, req.push_url);
      await repo.replaceCredential(nodeId, hashAgentSecret(credential));
      const previousPushUrl = await currentPushUrl(tx, nodeId);
      await repo.savePushEndpoint(nodeId, req.push_url, fingerprintOf(req.push_tls_fingerprint), true);
      // The token named this node and the transaction holds it (its fleet row references it): it exists.
      const node = (await repo.nodeSummary(nodeId))!;
      await this.audit.record(null, 'edge_node.register', { type: 'edge_node', id: nodeId, organizationId: null },
        { push_url: req.push_url, previous_push_url: previousPushUrl, push_tls_fingerprint: fingerprintOf(req.push_tls_fingerprint) }, tx);
      await this.fleet.record(tx, { edgeNodeIds: [nodeId] });
      return { node_id: node.id, node_name: node.name, pop: node.pop, credential, push_token: pushToken, state_signing_keys: this.keys.published };
    });
    return res;
  }

  /** A new credential for the node; every earlier one stops working at once. */
  async rotate(edgeNodeId: string): Promise<{ credential: string }> {
    const credential = newNodeCredential();
    await this.ds.transaction(async (tx) => {
      const repo = new AgentRegistrationRepository(tx);
      if (!(await repo.lockNode(edgeNodeId))) throw problems.notFound('edge node', edgeNodeId);
      await repo.replaceCredential(edgeNodeId, hashAgentSecret(credential));
    });
    return { credential };
  }

  /** Revokes every credential and unused bootstrap token of the node; returns how many credentials were active. */
  async revoke(edgeNodeId: string): Promise<number> {
    return this.ds.transaction(async (tx) => {
      const repo = new AgentRegistrationRepository(tx);
      if (!(await repo.lockNode(edgeNodeId))) throw problems.notFound('edge node', edgeNodeId);
      return repo.revokeAll(edgeNodeId);
    });
  }

  async setPushEndpoint(edgeNodeId: string, pushUrl: string, tlsFingerprint?: string): Promise<void> {
    const fingerprint = fingerprintOf(tlsFingerprint);
    await this.ds.transaction(async (tx) => {
      await this.requireAllowedPushUrl(tx, edgeNodeId, pushUrl);
      const previous = await currentPushEndpoint(tx, edgeNodeId);
      if (previous.pushUrl !== pushUrl || previous.tlsFingerprint !== fingerprint) {
        await this.audit.record(null, 'edge_node.push_endpoint', { type: 'edge_node', id: edgeNodeId, organizationId: null },
          { push_url: pushUrl, previous_push_url: previous.pushUrl, push_tls_fingerprint: fingerprint, previous_push_tls_fingerprint: previous.tlsFingerprint }, tx);
      }
      await new AgentRegistrationRepository(tx).savePushEndpoint(edgeNodeId, pushUrl, fingerprint, false);
      // Push the current state to the new endpoint (nothing changed in it: no stale mark).
      await this.outbox.enqueue(tx, syncEdgeNodeJob(edgeNodeId));
    });
  }
}

/** The stored form of a reported certificate fingerprint (upper-case, colons); null when none was sent. */
function fingerprintOf(input: string | undefined): string | null {
  return input ? normalizeTlsFingerprint(input) : null;
}
