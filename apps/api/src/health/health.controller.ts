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
    const [db, redis] = await Promise.allSettled([this.ds.query('SELECT 1'), this.redis.ping()]);
    const down = [db.status === 'rejected' && 'Postgres', redis.status === 'rejected' && 'Redis'].filter(Boolean);
    if (down.length) throw new ProblemException(503, `${down.join(' and ')} not reachable from the API; check the API logs and DATABASE_URL / REDIS_URL.`);
    return { status: 'ok' };
  }
}
