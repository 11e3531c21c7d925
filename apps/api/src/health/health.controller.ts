import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { databaseAnswers } from '@anyfront/db';
import { Public } from '../auth/decorators';
import { ApiProblems, ApiPublic, ApiSummary } from '../common/openapi';
import { ProblemException } from '../common/problem';
import { InjectRedis } from '../common/redis.module';

export class HealthDto {
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
  @ApiPublic()
  @Get()
  @ApiSummary('Check that the API, Postgres and Redis are up')
  @ApiProblems(503)
  @ApiOkResponse({ type: HealthDto, description: 'Postgres and Redis answer.' })
  async health(): Promise<HealthDto> {
    const [db, redis] = await Promise.allSettled([databaseAnswers(this.ds), this.redis.ping()]);
    const down = [db.status === 'rejected' && 'Postgres', redis.status === 'rejected' && 'Redis'].filter(Boolean);
    if (down.length) throw new ProblemException(503, `${down.join(' and ')} not reachable from the API; check the API logs and DATABASE_URL / REDIS_URL.`);
    return { status: 'ok' };
  }
}
