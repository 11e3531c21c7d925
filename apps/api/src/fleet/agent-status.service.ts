import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { agentStatusSchema, type DesiredState } from '@anyfront/contracts';
import { anyServiceDeleting, finishServiceDeletions, recordAgentStatus, storedDesiredState, syncNodeState } from '@anyfront/db';
import type { z } from 'zod';
import { AppConfig } from '../config';
import { FleetChanges } from './fleet-changes';

type AgentStatus = z.infer<typeof agentStatusSchema>;

/**
 * Stores an agent's status report: applied generation, announce/drain state, heartbeat, backend
 * health, kernel capabilities and the services it had to skip (deploy status `failed`). New
 * capabilities re-run the node's publish filter (a sync), so it is never sent a service it cannot program.
 * Each report may be the last confirmation a deleting service waits for, so it finishes the
 * deletions no edge node holds back any more.
 */
@Injectable()
export class AgentStatusService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly fleet: FleetChanges,
    private readonly config: AppConfig,
  ) {}

  async record(edgeNodeId: string, s: AgentStatus): Promise<{ desired_generation: number }> {
    const out = await this.ds.transaction(async (tx) => {
      const { generation, capabilitiesChanged } = await recordAgentStatus(tx, edgeNodeId, s);
      // New kernel capabilities change what the publish filter lets through for this node.
      if (capabilitiesChanged) await this.fleet.record(tx, { edgeNodeIds: [edgeNodeId] });
      return { desired_generation: generation };
    });
    await this.finishDeletions();
    return out;
  }

  /** The node's desired state, recomputed when a change is pending or it was never computed; null when the node does not exist. */
  async currentDesiredState(edgeNodeId: string): Promise<DesiredState | null> {
    const stored = await storedDesiredState(this.ds, edgeNodeId);
    if (stored?.state && !stored.stale) return stored.state;
    return (await syncNodeState(this.ds, edgeNodeId))?.state ?? null;
  }

  /** Deletions this report may have unblocked; no node's state has those services any more, the change only repairs a sync that raced the deletion. */
  private async finishDeletions(): Promise<void> {
    if (!(await anyServiceDeleting(this.ds))) return;
    await this.ds.transaction(async (tx) => {
      const finished = await finishServiceDeletions(tx, this.config.quarantineDays);
      if (finished.length) await this.fleet.record(tx, { serviceIds: finished.map((f) => f.serviceId) });
    });
  }
}
