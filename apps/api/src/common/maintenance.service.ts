import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AccountsRepository, IdempotencyKeysRepository } from '@anyfront/db';
import { DataSource } from 'typeorm';

const EVERY_MS = 10 * 60_000;

/**
 * Deletes rows that only age: expired sessions and Idempotency-Keys past their 24 h retention.
 * Safe to run on every API instance at once (plain idempotent DELETEs).
 */
@Injectable()
export class MaintenanceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Maintenance');
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep().catch((err: Error) => this.logger.warn(`sweep failed: ${err.message}`)), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<{ sessions: number; idempotencyKeys: number }> {
    const sessions = await new AccountsRepository(this.ds.manager).deleteAllExpiredSessions();
    const idempotencyKeys = await new IdempotencyKeysRepository(this.ds.manager).deleteExpired();
    return { sessions, idempotencyKeys };
  }
}
