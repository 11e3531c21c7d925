import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@anyfront/db';
import { LoggerModule } from 'nestjs-pino';
import { createLogger, httpLogOptions, type LogLevel } from '@anyfront/logging';
import { AuthGuard } from './auth/auth.guard';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { IdempotencyInterceptor } from './common/idempotency.interceptor';
import { RateLimitGuard } from './common/rate-limit.guard';
import { RedisModule } from './common/redis.module';
import { AppConfig, ConfigModule } from './config';
import { HealthController } from './health/health.controller';
import { FleetModule } from './fleet/fleet.module';
import { TrafficModule } from './traffic/traffic.module';
import { ServicesModule } from './services/services.module';
import { BackendsModule } from './backends/backends.module';
import { BillingModule } from './billing/billing.module';
import { QuotasModule } from './quotas/quotas.module';
import { NoticesModule } from './notices/notices.controller';
import { WebhooksModule } from './webhooks/webhooks.controller';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // The shared setup (libs/logging): credentials redacted, one short line per request at debug.
        pinoHttp: { logger: createLogger({ app: 'api', level: config.logLevel as LogLevel }), ...httpLogOptions() },
      }),
    }),
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => dataSourceOptions(config.databaseUrl, { poolSize: config.databasePoolSize }),
    }),
    RedisModule,
    CommonModule,
    QuotasModule,
    AuthModule,
    AdminModule,
    FleetModule,
    TrafficModule,
    ServicesModule,
    BackendsModule,
    BillingModule,
    NoticesModule,
    WebhooksModule,
  ],
  controllers: [HealthController],
  providers: [
    // Order matters: authenticate first, then count the request against its credential.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class AppModule {
  /** `config` is for tests; main.ts reads the environment. */
  static register(config?: AppConfig): DynamicModule {
    return { module: AppModule, imports: [ConfigModule.forRoot(config)] };
  }
}
