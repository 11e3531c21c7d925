import { ApiProperty } from '@nestjs/swagger';
import { TRAFFIC_SOURCES, type TrafficSource } from '@anyfront/contracts';

// Response bodies of the tenant traffic and usage routes.

export class TrafficTotalDto {
  @ApiProperty({ type: 'integer', description: 'IP bytes that reached the anycast addresses' }) bytes!: number;
  @ApiProperty({ type: 'integer' }) packets!: number;
}

export class TrafficPointDto extends TrafficTotalDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the step (aligned to the epoch)' }) t!: string;
}

export class TrafficSeriesDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The PoP with `by=pop`; null for the all-PoPs series' }) pop_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) pop_code!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The backend with `by=backend`; null otherwise' }) backend_id!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The backend\'s address with `by=backend` (null once the backend is deleted)' }) backend_address!: string | null;
  @ApiProperty({ type: [TrafficPointDto], description: 'One point per step, zero-filled' }) points!: TrafficPointDto[];
}

export class ServiceTrafficDto {
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: 'integer' }) step_seconds!: number;
  @ApiProperty({ enum: TRAFFIC_SOURCES, description: 'raw: from agent reports (inside the raw retention); hourly: from hourly roll-ups' })
  source!: TrafficSource;
  @ApiProperty({ type: TrafficTotalDto }) total!: TrafficTotalDto;
  @ApiProperty({ type: [TrafficSeriesDto], description: 'One series (all PoPs); one per PoP with `by=pop`; with `by=backend` one per backend: what the edges tunnelled to it (raw retention only)' }) series!: TrafficSeriesDto[];
}

export class UsageHourDto extends TrafficTotalDto {
  @ApiProperty({ format: 'date-time' }) hour!: string;
}

export class UsageDto {
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: TrafficTotalDto }) total!: TrafficTotalDto;
  @ApiProperty({ type: [UsageHourDto], description: 'Hours with traffic, oldest first' }) hours!: UsageHourDto[];
}
