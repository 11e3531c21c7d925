export * from './audit.service';
export * from './id-param';
export * from './pagination';
export * from './problem';
export * from './redis.module';
export * from './rate-limit.guard';
