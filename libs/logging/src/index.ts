/**
 * One logging setup for every app (API, worker, edge agent, lab tools): pino, JSON lines on stdout,
 * one `app` field naming the process. Presentation is the environment's job: in production the
 * lines go to the log collector as they are; `npm start` writes them to .data/logs/<app>.log and
 * shows a readable, filtered view (scripts/log-view.mjs).
 */
import type { LoggerService } from '@nestjs/common';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Never written to a log: credentials in headers, bodies and agent configs. */
const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  'push_token', '*.push_token', 'credential', '*.credential', 'bootstrap_token', '*.bootstrap_token', 'password', '*.password',
];

export interface LoggerSettings {
  /** Short name of the process, shown as its prefix locally: api, worker, edge1, fleet, ... */
  app: string;
  level: LogLevel;
  /** Extra fields on every line (e.g. the edge node id). */
  base?: Record<string, unknown>;
}

export function createLogger(s: LoggerSettings, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level: s.level,
    base: { app: s.app, pid: process.pid, ...s.base },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

// Nest logs its start-up chatter ("Starting Nest application...", "XModule dependencies
// initialized", one "Mapped {...} route" per route) at info: worth keeping in the file, not on a
// newcomer's screen.
const NEST_STARTUP = /^(NestFactory|InstanceLoader|RoutesResolver|RouterExplorer|NestApplication)$/;
const isNestStartup = (context: unknown): boolean => typeof context === 'string' && NEST_STARTUP.test(context);

/** Another Nest logger (e.g. nestjs-pino's) with Nest's start-up lines moved from info to debug. */
export function quietNestStartup(inner: LoggerService): LoggerService {
  return {
    log: (message: unknown, ...rest: unknown[]) => (isNestStartup(rest[rest.length - 1]) && inner.debug ? inner.debug(message, ...rest) : inner.log(message, ...rest)),
    error: (message: unknown, ...rest: unknown[]) => inner.error(message, ...rest),
    warn: (message: unknown, ...rest: unknown[]) => inner.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => inner.debug?.(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => inner.verbose?.(message, ...rest),
    fatal: (message: unknown, ...rest: unknown[]) => inner.fatal?.(message, ...rest),
  };
}

/** Nest's logger interface on top of a pino logger (Nest's own start-up lines become debug). */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write(isNestStartup(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = typeof rest[0] === 'string' && rest.length > 1 ? rest[0] : undefined;
    if (message instanceof Error) this.logger.error({ context, err: message }, message.message);
    else this.logger.error({ context, ...(stack ? { stack } : {}) }, String(message));
  }
  warn(message: unknown, context?: string): void { this.write('warn', message, context); }
  debug(message: unknown, context?: string): void { this.write('debug', message, context); }
  verbose(message: unknown, context?: string): void { this.write('trace', message, context); }
  fatal(message: unknown, context?: string): void { this.write('fatal', message, context); }

  private write(level: 'fatal' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, context?: string): void {
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...(message) });
    else this.logger[level]({ context }, String(message));
  }
}

interface HttpReq { method?: string; url?: string; originalUrl?: string; id?: unknown }
interface HttpRes { statusCode?: number }

/**
 * pino-http settings shared by HTTP servers: one short line per request (method, path, status,
 * time; no headers) at debug, 4xx at info, 5xx and failures at error, health checks not at all.
 */
export function httpLogOptions(opts: { ignorePaths?: string[] } = {}) {
  const ignore = new Set(opts.ignorePaths ?? ['/v1/health']);
  return {
    customLogLevel: (_req: unknown, res: HttpRes, err?: Error): pino.Level =>
      err || (res.statusCode ?? 0) >= 500 ? 'error' : (res.statusCode ?? 0) >= 400 ? 'info' : 'debug',
    autoLogging: { ignore: (req: HttpReq) => ignore.has((req.url ?? '').split('?')[0] ?? '') },
    serializers: {
      req: (req: HttpReq) => ({ id: req.id, method: req.method, url: req.originalUrl ?? req.url }),
      res: (res: HttpRes) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req: HttpReq, res: HttpRes, ms: number) => `${req.method} ${req.originalUrl ?? req.url} ${res.statusCode} ${Math.round(ms)} ms`,
    customErrorMessage: (req: HttpReq, res: HttpRes, err: Error) => `${req.method} ${req.originalUrl ?? req.url} ${res.statusCode} ${err.message}`,
  };
}
