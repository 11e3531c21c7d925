import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { AgentTrafficController } from './agent-traffic.controller';
import { TrafficController } from './traffic.controller';
import { TrafficIngestService } from './traffic-ingest.service';
import { TrafficQueryService } from './traffic-query.service';

/** Traffic reports from agents (idempotent ingest) and tenant traffic/usage queries. */
@Module({
  imports: [FleetModule],
  controllers: [AgentTrafficController, TrafficController],
  providers: [TrafficIngestService, TrafficQueryService],
})
export class TrafficModule {}
