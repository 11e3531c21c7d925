import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AgentRegisterRequest, type AgentRegisterResponse, syncEdgeNodeJob } from '@anyfront/contracts';
import { currentPushEndpoint, currentPushUrl, edgeNodeAddresses, rowsOf, type SqlRunner } from '@anyfront/db';
import { LOCAL_MODE, normalizeTlsFingerprint, pushUrlRefusal } from '@anyfront/domain';
import { AppConfig } from '../config';
import { type StateSigningKeys } from '@anyfront/state-signing';
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
      const consumed = rowsOf<{ edge_node_id: string }>(await tx.query(
        `UPDATE edge_node_bootstrap_tokens SET consumed_at = now()
          WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > now()
          RETURNING edge_node_id`,
        [hashAgentSecret(req.bootstrap_token)],
      ));
      const nodeId = consumed[0]?.edge_node_id;
      if (!nodeId) {
        throw problems.unauthenticated('The bootstrap token is unknown, expired or already used. Ask an operator for a new one (POST /v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens).');
      }
      // A refused push_url rolls the transaction back: the bootstrap token stays usable for a corrected registration.
      await this.requireAllowedPushUrl(tx, nodeId, req.push_url);
      await tx.query(`UPDATE edge_node_credentials SET revoked_at = now() WHERE edge_node_id = $1 AND revoked_at IS NULL`, [nodeId]);
      await tx.query(`INSERT INTO edge_node_credentials (edge_node_id, secret_hash) VALUES ($1, $2)`, [nodeId, hashAgentSecret(credential)]);
      const previousPushUrl = await currentPushUrl(tx, nodeId);
      await tx.query(
        `INSERT INTO edge_node_fleet_states (edge_node_id, push_url, push_tls_fingerprint, registered_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (edge_node_id) DO UPDATE SET push_url = EXCLUDED.push_url, push_tls_fingerprint = EXCLUDED.push_tls_fingerprint, registered_at = now()`,
        [nodeId, req.push_url, fingerprintOf(req.push_tls_fingerprint)],
      );
      const [node] = await tx.query(`SELECT n.id, n.name, p.code FROM edge_nodes n JOIN pops p ON p.id = n.pop_id WHERE n.id = $1`, [nodeId]);
      await tx.query(
        `INSERT INTO audit_log (actor_credential, action, target_type, target_id, details) VALUES ('system', 'edge_node.register', 'edge_node', $1, $2)`,
        [nodeId, JSON.stringify({ push_url: req.push_url, previous_push_url: previousPushUrl, push_tls_fingerprint: fingerprintOf(req.push_tls_fingerprint) })],
      );
      await this.fleet.record(tx, { edgeNodeIds: [nodeId] });
      return { node_id: node.id as string, node_name: node.name as string, pop: node.code as string, credential, push_token: pushToken, state_signing_keys: this.keys.published };
    });
    return res;
  }

  /** A new credential for the node; every earlier one stops working at once. */
  async rotate(edgeNodeId: string): Promise<{ credential: string }> {
    const credential = newNodeCredential();
    await this.ds.transaction(async (tx) => {
      const exists = await tx.query(`SELECT 1 FROM edge_nodes WHERE id = $1 FOR UPDATE`, [edgeNodeId]);
      if (!exists.length) throw problems.notFound('edge node', edgeNodeId);
      await tx.query(`UPDATE edge_node_credentials SET revoked_at = now() WHERE edge_node_id = $1 AND revoked_at IS NULL`, [edgeNodeId]);
      await tx.query(`INSERT INTO edge_node_credentials (edge_node_id, secret_hash) VALUES ($1, $2)`, [edgeNodeId, hashAgentSecret(credential)]);
    });
    return { credential };
  }

  /** Revokes every credential and unused bootstrap token of the node; returns how many credentials were active. */
  async revoke(edgeNodeId: string): Promise<number> {
    return this.ds.transaction(async (tx) => {
      const exists = await tx.query(`SELECT 1 FROM edge_nodes WHERE id = $1 FOR UPDATE`, [edgeNodeId]);
      if (!exists.length) throw problems.notFound('edge node', edgeNodeId);
      await tx.query(`UPDATE edge_node_bootstrap_tokens SET consumed_at = now() WHERE edge_node_id = $1 AND consumed_at IS NULL`, [edgeNodeId]);
      return rowsOf(await tx.query(`UPDATE edge_node_credentials SET revoked_at = now() WHERE edge_node_id = $1 AND revoked_at IS NULL RETURNING id`, [edgeNodeId])).length;
    });
  }

  async setPushEndpoint(edgeNodeId: string, pushUrl: string, tlsFingerprint?: string): Promise<void> {
    const fingerprint = fingerprintOf(tlsFingerprint);
    await this.ds.transaction(async (tx) => {
      await this.requireAllowedPushUrl(tx, edgeNodeId, pushUrl);
      const previous = await currentPushEndpoint(tx, edgeNodeId);
      if (previous.pushUrl !== pushUrl || previous.tlsFingerprint !== fingerprint) {
        await tx.query(
          `INSERT INTO audit_log (actor_credential, action, target_type, target_id, details) VALUES ('system', 'edge_node.push_endpoint', 'edge_node', $1, $2)`,
          [edgeNodeId, JSON.stringify({ push_url: pushUrl, previous_push_url: previous.pushUrl, push_tls_fingerprint: fingerprint, previous_push_tls_fingerprint: previous.tlsFingerprint })],
        );
      }
      await tx.query(
        `INSERT INTO edge_node_fleet_states (edge_node_id, push_url, push_tls_fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT (edge_node_id) DO UPDATE SET push_url = EXCLUDED.push_url, push_tls_fingerprint = EXCLUDED.push_tls_fingerprint`,
        [edgeNodeId, pushUrl, fingerprint],
      );
      // Push the current state to the new endpoint (nothing changed in it: no stale mark).
      await this.outbox.enqueue(tx, syncEdgeNodeJob(edgeNodeId));
    });
  }
}

/** The stored form of a reported certificate fingerprint (upper-case, colons); null when none was sent. */
function fingerprintOf(input: string | undefined): string | null {
  return input ? normalizeTlsFingerprint(input) : null;
}
