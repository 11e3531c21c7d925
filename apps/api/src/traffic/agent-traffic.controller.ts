import { SkipRateLimit } from '../common/rate-limit.guard';
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { trafficReportSchema } from '@anyfront/contracts';
import { Public } from '../auth/decorators';
import { AgentAuthGuard, AgentNode, type AgentIdentity } from '../fleet/agent-auth.guard';
import { parseWith, ZodApiBody } from '../fleet/zod-body';
import { IngestResult, TrafficIngestService } from './traffic-ingest.service';

@ApiTags('agent')
@ApiBearerAuth()
@Public()
@Controller('v1/agent')
export class AgentTrafficController {
  constructor(private readonly ingest: TrafficIngestService) {}

  /** Counter deltas of one interval. A replayed sequence answers 200 with `duplicate: true` and counts nothing. */
  @Post(['traffic', 'nodes/:nodeId/traffic'])
  @UseGuards(AgentAuthGuard)
  @SkipRateLimit() // node-authenticated platform traffic; many agents can share one source address
  @HttpCode(200)
  @ZodApiBody(trafficReportSchema, 'Counter deltas of one interval, numbered per node.')
  report(@AgentNode() agent: AgentIdentity, @Body() body: unknown): Promise<IngestResult> {
    return this.ingest.ingest(agent.edgeNodeId, parseWith(trafficReportSchema, body));
  }
}
