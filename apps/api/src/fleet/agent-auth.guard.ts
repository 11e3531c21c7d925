import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { NODE_CREDENTIAL_PREFIX } from '@anyfront/contracts';
import { AgentRegistrationRepository } from '@anyfront/db';
import { problems } from '../common/problem';
import { hashAgentSecret } from './agent-tokens';

export interface AgentIdentity {
  edgeNodeId: string;
  credentialId: string;
}

interface RequestWithAgent extends Request {
  agent?: AgentIdentity;
}

/**
 * Authenticates an edge agent by its node credential (`Authorization: Bearer afn_...`). Routes
 * using it are @Public() for the user AuthGuard (which knows sessions and API keys only).
 */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<RequestWithAgent>();
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!credential?.startsWith(NODE_CREDENTIAL_PREFIX)) {
      throw problems.unauthenticated(`Agent calls need "Authorization: Bearer <node credential>" (${NODE_CREDENTIAL_PREFIX}...), from POST /v1/agent/register.`);
    }
    const row = await new AgentRegistrationRepository(this.ds).authenticate(hashAgentSecret(credential));
    if (!row) throw problems.unauthenticated('The node credential is unknown or has been revoked; register the agent again with a new bootstrap token.');
    req.agent = { edgeNodeId: row.edge_node_id, credentialId: row.id };
    return true;
  }
}

/**
 * The calling agent's edge node id. With a `:nodeId` path parameter, another node's id answers
 * 404 (an agent sees only its own node).
 */
export const AgentNode = createParamDecorator((_: unknown, ctx: ExecutionContext): AgentIdentity => {
  const req = ctx.switchToHttp().getRequest<RequestWithAgent>();
  if (!req.agent) throw problems.unauthenticated();
  const nodeId = (req.params as Record<string, string | undefined>).nodeId;
  if (nodeId !== undefined && nodeId !== req.agent.edgeNodeId) throw problems.notFound('edge node', nodeId);
  return req.agent;
});
