import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toProblem } from './error-mapping';
import { sendProblem } from './problem';

/** Global filter: every error the API returns is application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(private readonly bodyLimit: string) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { problem, headers, unexpected } = toProblem(err, this.bodyLimit);
    if (unexpected) this.logger.error(err instanceof Error ? err.stack ?? err.message : String(err));
    sendProblem(res, problem, headers);
  }
}
