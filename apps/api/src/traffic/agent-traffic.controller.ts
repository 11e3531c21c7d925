import { SkipRateLimit } from '../common/rate-limit.guard';
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { trafficIngestResponseSchema, trafficReportSchema } from '@anyfront/contracts';
import { Public } from '../auth/decorators';
import { AgentAuthGuard, AgentNode, type AgentIdentity } from '../fleet/agent-auth.guard';
import { ApiNodeAuth, ApiNodeIdParam, ApiProblems, ApiSummary, ZodApiBody, ZodApiResponse } from '../common/openapi';
import { parseWith } from '../fleet/zod-body';
import { IngestResult, TrafficIngestService } from './traffic-ingest.service';

@ApiTags('agent')
@Public()
@Controller('v1/agent')
export class AgentTrafficController {
  constructor(private readonly ingest: TrafficIngestService) {}

  /** Counter deltas of one interval. A replayed sequence answers 200 with `duplicate: true` and counts nothing. */
  @Post(['traffic', 'nodes/:nodeId/traffic'])
  @UseGuards(AgentAuthGuard)
  @SkipRateLimit() // node-authenticated platform traffic; many agents can share one source address
  @HttpCode(200)
  @ApiNodeAuth()
  @ApiNodeIdParam()
  @ApiSummary("Report this node's traffic counters for one interval", 'Idempotent per (node, sequence): a replay answers `duplicate: true` and counts nothing.')
  @ApiProblems(400, 404, 422)
  @ZodApiBody('TrafficReport', trafficReportSchema, 'Counter deltas of one interval, numbered per node.')
  @ZodApiResponse(200, 'TrafficIngestResponse', trafficIngestResponseSchema, 'Counted (or recognised as a replay).')
  report(@AgentNode() agent: AgentIdentity, @Body() body: unknown): Promise<IngestResult> {
    return this.ingest.ingest(agent.edgeNodeId, parseWith(trafficReportSchema, body));
  }
}
