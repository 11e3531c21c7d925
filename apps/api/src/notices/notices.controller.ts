import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { type MoveRow, RelocationsRepository } from '@anyfront/db';
import type { DataSource } from 'typeorm';
import { OrganizationId } from '../auth/decorators';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';

export const NOTICE_TYPES = ['address_relocation'] as const;

export class NoticeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: NOTICE_TYPES }) type!: (typeof NOTICE_TYPES)[number];
  @ApiProperty({ enum: ['open', 'done'], description: 'open: act before `deadline`; done: the change happened' }) state!: 'open' | 'done';
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty() service_name!: string;
  @ApiProperty({ example: '192.0.2.37', description: 'The address that goes away' }) old_address!: string;
  @ApiProperty({ example: '198.51.100.12', description: 'Its replacement, already announced and forwarding' }) new_address!: string;
  @ApiProperty({ format: 'date-time', description: 'When the old address stops answering (it is released into quarantine)' }) deadline!: string;
  @ApiProperty({ description: "The operator's reason" }) reason!: string;
  @ApiProperty({ description: 'What happens and what to do, in a sentence' }) message!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class NoticeListDto {
  @ApiProperty({ type: [NoticeDto], description: 'Open notices first, then the last 200 done ones, newest first' }) data!: NoticeDto[];
}

@Injectable()
export class NoticesService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async list(organizationId: string): Promise<NoticeListDto> {
    const moves = await new RelocationsRepository(this.ds).moves({ organizationId });
    const data = moves.map(toNotice);
    return { data: [...data.filter((n) => n.state === 'open'), ...data.filter((n) => n.state === 'done')] };
  }
}

function toNotice(m: MoveRow): NoticeDto {
  const deadline = (m.releasedAt ?? m.noticeEndsAt).toISOString();
  const open = m.state === 'notice';
  const when = `${deadline.slice(0, 16).replace('T', ' ')} UTC`;
  return {
    id: m.id,
    type: 'address_relocation',
    state: open ? 'open' : 'done',
    service_id: m.serviceId,
    service_name: m.serviceName,
    old_address: m.oldAddress,
    new_address: m.newAddress,
    deadline,
    reason: m.reason,
    message: open
      ? `${m.oldAddress} of service ${m.serviceName} moves to ${m.newAddress}, which already answers. Point your DNS and clients at ${m.newAddress} before ${when}; then ${m.oldAddress} stops answering.`
      : `${m.oldAddress} of service ${m.serviceName} was replaced by ${m.newAddress} and released on ${when}.`,
    created_at: m.createdAt.toISOString(),
  };
}

@ApiTags('notices')
@ApiTenantAuth()
@Controller('v1/notices')
export class NoticesController {
  constructor(private readonly notices: NoticesService) {}

  @Get()
  @ApiSummary("The organization's notices", 'Changes the operator makes to your addresses, with their deadline (address relocations).')
  @ApiProblems()
  @ApiOkResponse({ type: NoticeListDto })
  list(@OrganizationId() orgId: string): Promise<NoticeListDto> {
    return this.notices.list(orgId);
  }
}

@Module({ controllers: [NoticesController], providers: [NoticesService] })
export class NoticesModule {}
