import { SkipRateLimit } from '../common/rate-limit.guard';
import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Put, Res, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  agentCredentialResponseSchema,
  agentPushEndpointSchema,
  agentRegisterRequestSchema,
  agentRegisterResponseSchema,
  agentStatusResponseSchema,
  agentStatusSchema,
  signedDesiredStateSchema,
  type AgentCredentialResponse,
  type AgentRegisterResponse,
  type AgentStatusResponse,
  type SignedDesiredState,
} from '@anyfront/contracts';
import { signDesiredState, type StateSigningKeys } from '@anyfront/state-signing';
import { Public } from '../auth/decorators';
import { ApiNodeAuth, ApiNodeIdParam, ApiProblems, ApiPublic, ApiSummary, ZodApiBody, ZodApiResponse } from '../common/openapi';
import { problems } from '../common/problem';
import { AgentAuthGuard, AgentNode, type AgentIdentity } from './agent-auth.guard';
import { AgentRegistrationService } from './agent-registration.service';
import { AgentStatusService } from './agent-status.service';
import { STATE_SIGNING_KEYS } from './state-signing.provider';
import { parseWith } from './zod-body';

/**
 * The edge agents' API. Every route but register needs the node credential; routes exist both as
 * `/v1/agent/<x>` (the caller's node) and `/v1/agent/nodes/{nodeId}/<x>` (another node's id: 404).
 */
@ApiTags('agent')
@Public()
@Controller('v1/agent')
export class AgentController {
  constructor(
    private readonly registration: AgentRegistrationService,
    private readonly status: AgentStatusService,
    @Inject(STATE_SIGNING_KEYS) private readonly keys: StateSigningKeys,
  ) {}

  @Post('register')
  @ApiPublic()
  @ApiSummary("Register an edge node's agent with a one-time bootstrap token", 'Answers the long-lived node credential, shown once. 422 when push_url does not name the node (see SECURITY.md, push channel).')
  @ApiProblems(400, 401, 422)
  @ZodApiBody('AgentRegisterRequest', agentRegisterRequestSchema, 'The bootstrap token from POST /v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens and where to push desired states.')
  @ZodApiResponse(201, 'AgentRegisterResponse', agentRegisterResponseSchema, 'Registered.')
  register(@Body() body: unknown): Promise<AgentRegisterResponse> {
    return this.registration.register(parseWith(agentRegisterRequestSchema, body));
  }

  @Post(['credentials/rotate', 'nodes/:nodeId/credentials/rotate'])
  @UseGuards(AgentAuthGuard)
  @SkipRateLimit() // node-authenticated platform traffic; many agents can share one source address
  @ApiNodeAuth()
  @ApiNodeIdParam()
  @ApiSummary('Rotate this node credential', 'The old credential stops working at once.')
  @ApiProblems(404)
  @ZodApiResponse(201, 'AgentCredentialResponse', agentCredentialResponseSchema, 'The new credential, shown once.')
  rotate(@AgentNode() agent: AgentIdentity): Promise<AgentCredentialResponse> {
    return this.registration.rotate(agent.edgeNodeId);
  }

  @Put(['push-endpoint', 'nodes/:nodeId/push-endpoint'])
  @UseGuards(AgentAuthGuard)
  @SkipRateLimit() // node-authenticated platform traffic; many agents can share one source address
  @HttpCode(204)
  @ApiNodeAuth()
  @ApiNodeIdParam()
  @ApiSummary('Set where the control plane pushes desired states to this agent')
  @ApiProblems(400, 404, 422)
  @ZodApiBody('AgentPushEndpoint', agentPushEndpointSchema)
  @ApiNoContentResponse({ description: 'Stored.' })
  async pushEndpoint(@AgentNode() agent: AgentIdentity, @Body() body: unknown): Promise<void> {
    const p = parseWith(agentPushEndpointSchema, body);
    await this.registration.setPushEndpoint(agent.edgeNodeId, p.push_url, p.push_tls_fingerprint);
  }

  /**
   * The node's current desired state, recomputed from the database when a change is pending or it
   * was never computed. `If-None-Match: "<generation>"` answers 304 when nothing is newer.
   */
  @Get(['desired-state', 'nodes/:nodeId/desired-state'])
  @UseGuards(AgentAuthGuard)
  @SkipRateLimit() // node-authenticated platform traffic; many agents can share one source address
  @ApiNodeAuth()
  @ApiNodeIdParam()
  @ApiSummary("Get this node's signed desired state", 'Recomputed when a change is pending. `If-None-Match: "<generation>"` answers 304 when nothing is newer. The agent applies it only if the Ed25519 signature verifies against a key it got at registration.')
  @ApiProblems(404)
  @ZodApiResponse(200, 'SignedDesiredState', signedDesiredStateSchema, 'The desired state, signed by the control plane (Ed25519, see SECURITY.md); its generation is also the ETag.')
  @ApiResponse({ status: 304, description: 'Not modified: the If-None-Match generation is the newest.' })
  async desiredState(
    @AgentNode() agent: AgentIdentity,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignedDesiredState | undefined> {
    const state = await this.status.currentDesiredState(agent.edgeNodeId);
    if (!state) throw problems.notFound('edge node', agent.edgeNodeId);
    const etag = `"${state.generation}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-store');
    if (ifNoneMatch === etag) {
      res.status(304);
      return undefined;
    }
    return signDesiredState(state, this.keys.signer);
  }

  @Post(['status', 'nodes/:nodeId/status'])
  @UseGuards(AgentAuthGuard)
  @SkipRateLimit() // node-authenticated platform traffic; many agents can share one source address
  @HttpCode(200)
  @ApiNodeAuth()
  @ApiNodeIdParam()
  @ApiSummary("Report this node's status (heartbeat): applied generation, announce and drain state, last error, backend health")
  @ApiProblems(400, 404)
  @ZodApiBody('AgentStatusReport', agentStatusSchema, 'Applied generation, announce/drain state, last error and per-backend health.')
  @ZodApiResponse(200, 'AgentStatusResponse', agentStatusResponseSchema, 'Recorded; pull when desired_generation is above the applied one.')
  report(@AgentNode() agent: AgentIdentity, @Body() body: unknown): Promise<AgentStatusResponse> {
    return this.status.record(agent.edgeNodeId, parseWith(agentStatusSchema, body));
  }
}
