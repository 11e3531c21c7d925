import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators';
import { ProblemException } from '../common/problem';
import { InjectRedis } from '../common/redis.module';

class HealthDto {
  @ApiProperty({ example: 'ok' }) status!: string;
}

@ApiTags('health')
@Controller('v1/health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  /** Ready when Postgres and Redis answer. */
  @Public()
  @Get()
  @ApiOkResponse({ type: HealthDto })
  async health(): Promise<HealthDto> {
    try {
      await Promise.all([this.ds.query('SELECT 1'), this.redis.ping()]);
    } catch (err) {
      throw new ProblemException(503, `A dependency is not reachable: ${(err as Error).message}`);
    }
    return { status: 'ok' };
  }
}
