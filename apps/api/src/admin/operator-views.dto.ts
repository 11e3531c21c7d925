import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class SlotHolderDto {
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty() organization_name!: string;
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty() service_name!: string;
  @ApiProperty({ format: 'date-time', description: 'Held since (the holding history): assigned then, or when it was last held before quarantine' }) since!: string;
}

export class PoolRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '192.0.2.0/24' }) prefix!: string;
  @ApiProperty({ enum: [4, 6] }) family!: 4 | 6;
  @ApiProperty({ enum: ['active', 'draining', 'disabled'] }) state!: string;
  @ApiProperty({ type: [String], example: ['ams', 'nyc'] }) pop_codes!: string[];
}

export class SlotDto {
  @ApiProperty({ description: 'Last octet: the cell in the 16×16 grid (row = offset / 16)' }) offset!: number;
  @ApiProperty({ example: '192.0.2.37' }) address!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The pool\'s slot number; null for .0 and .255, which no pool hands out' }) slot_index!: number | null;
  @ApiProperty({ enum: ['free', 'assigned', 'quarantined', 'unusable'] }) state!: 'free' | 'assigned' | 'quarantined' | 'unusable';
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Quarantined: when the slot becomes free again' }) quarantined_until!: string | null;
  @ApiProperty({ type: SlotHolderDto, nullable: true }) holder!: SlotHolderDto | null;
}

export class SlotGridDto {
  @ApiProperty({ example: '192.0.2.0/24' }) prefix!: string;
  @ApiProperty({ type: [SlotDto], description: '256 cells, by last octet' }) slots!: SlotDto[];
}

export class TakenSlotDto {
  @ApiProperty({ type: 'integer' }) slot_index!: number;
  @ApiProperty() address!: string;
  @ApiProperty({ enum: ['assigned', 'quarantined'] }) state!: 'assigned' | 'quarantined';
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) quarantined_until!: string | null;
  @ApiProperty({ type: SlotHolderDto, nullable: true }) holder!: SlotHolderDto | null;
}

export class PoolSlotMapDto {
  @ApiProperty({ type: PoolRefDto }) pool!: PoolRefDto;
  @ApiProperty({ type: [SlotGridDto], nullable: true, description: 'IPv4 pools up to a /20: one 256-slot grid per /24. null for IPv6 and larger pools (see `taken`).' })
  grids!: SlotGridDto[] | null;
  @ApiProperty({ type: [TakenSlotDto], description: 'The taken slots (assigned or quarantined) by slot number, at most 1,000' }) taken!: TakenSlotDto[];
}

export class HoldingDto {
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty({ nullable: true, type: String }) organization_name!: string | null;
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null once the service is gone' }) service_name!: string | null;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'null: still held' }) to!: string | null;
}

export class AnnouncingPopDto {
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty() pop_name!: string;
  @ApiProperty({ type: 'integer' }) edge_nodes!: number;
  @ApiProperty({ type: 'integer', description: 'Edge nodes announcing the pool now (registered, reporting announced, not drained)' }) announcing!: number;
}

export class AnycastHoldingDto {
  @ApiProperty({ type: 'integer' }) slot_index!: number;
  @ApiProperty({ enum: ['assigned', 'quarantined'] }) state!: 'assigned' | 'quarantined';
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) quarantined_until!: string | null;
  @ApiProperty({ type: SlotHolderDto, nullable: true }) holder!: SlotHolderDto | null;
}

export class BackendUseDto {
  @ApiProperty({ format: 'uuid' }) backend_id!: string;
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty() service_name!: string;
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty() organization_name!: string;
  @ApiProperty() enabled!: boolean;
}

export class AddressLookupDto {
  @ApiProperty({ example: '192.0.2.37', description: 'The address in canonical form' }) address!: string;
  @ApiProperty({ enum: [4, 6] }) family!: 4 | 6;
  @ApiProperty({ type: PoolRefDto, nullable: true, description: 'The pool whose prefix contains the address (even when the slot is free)' }) pool!: PoolRefDto | null;
  @ApiProperty({ type: AnycastHoldingDto, nullable: true, description: 'The slot\'s state when assigned or quarantined; null when free or in no pool' }) anycast!: AnycastHoldingDto | null;
  @ApiProperty({ type: [AnnouncingPopDto], description: 'The PoPs of its pool and how many of their edge nodes announce it' }) announcing_pops!: AnnouncingPopDto[];
  @ApiProperty({ type: [HoldingDto], description: 'Everyone who held the address, newest first (at most 100)' }) history!: HoldingDto[];
  @ApiProperty({ type: [BackendUseDto], description: 'Live services of any organization with a backend at this address' }) backend_of!: BackendUseDto[];
}

export class AddressLookupQueryDto {
  // Checked by the service with the same parser as backend addresses, for its precise messages.
  @ApiProperty({ example: '192.0.2.37', maxLength: 100, description: 'One IPv4 or IPv6 address' })
  @IsString()
  @MaxLength(100)
  address!: string;
}

export class OrganizationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'Only organizations whose name contains this (case-insensitive)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  search?: string;
}

export class OrganizationSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ enum: ['free', 'standard', 'custom'] }) plan!: string;
  @ApiProperty({ enum: ['active', 'past_due', 'suspended'] }) billing_status!: string;
  @ApiProperty({ type: 'integer', description: 'Live services' }) services!: number;
  @ApiProperty({ type: 'integer', description: 'IPv4 anycast addresses assigned now' }) ipv4_addresses!: number;
  @ApiProperty({ type: 'integer' }) members!: number;
}

export class WaitingServiceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty() organization_name!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
}

export class FailedDeployDto {
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty() service_name!: string;
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty() organization_name!: string;
  @ApiProperty({ format: 'uuid' }) edge_node_id!: string;
  @ApiProperty() edge_node_name!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty({ description: 'Why the edge does not run it (left out at publish time, or refused by the agent)' }) reason!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) since!: string | null;
}

export class OrganizationAttentionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['past_due', 'suspended'] }) billing_status!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) grace_until!: string | null;
}

export class OperatorOverviewDto {
  @ApiProperty({ type: [WaitingServiceDto], description: 'Services waiting for a free slot, oldest first' }) waiting_services!: WaitingServiceDto[];
  @ApiProperty({ type: [FailedDeployDto], description: 'Services some edge node does not run, and why' }) failed_deploys!: FailedDeployDto[];
  @ApiProperty({ type: [OrganizationAttentionDto], description: 'Organizations past due or suspended' }) organizations_needing_attention!: OrganizationAttentionDto[];
}

export class EdgeNodeImpactDto {
  @ApiProperty({ format: 'uuid' }) edge_node_id!: string;
  @ApiProperty({ type: 'integer', description: 'Services in the node\'s current desired state' }) services!: number;
  @ApiProperty({ description: 'Bytes it forwarded in the last hour (agent reports), as a decimal string' }) bytes_last_hour!: string;
  @ApiProperty({ description: 'Packets it forwarded in the last hour, as a decimal string' }) packets_last_hour!: string;
  @ApiProperty({ type: 'integer', description: 'Other edge nodes of its PoP announcing now: where its traffic goes within the PoP (0: to other PoPs)' }) other_announcing_in_pop!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Kernel capabilities as the agent last reported them' }) capabilities!: Record<string, unknown> | null;
}
