import { HttpException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { defaultTitle, FieldError, Problem, ProblemException, problemType } from './problem';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  message?: string;
  code?: string;
}

/** Maps any thrown value to a problem; unknown errors become a 500 that reveals nothing internal. */
export function toProblem(err: unknown, bodyLimit = ''): { problem: Problem; headers: Record<string, string>; unexpected: boolean } {
  if (err instanceof ProblemException) return { problem: err.problem, headers: err.headers, unexpected: false };

  const bp = err as BodyParserError;
  if (bp && typeof bp.type === 'string' && typeof bp.status === 'number') {
    const fromBodyParser = bodyParserProblem(bp, bodyLimit);
    if (fromBodyParser) return { problem: fromBodyParser, headers: {}, unexpected: false };
  }
  if (bp && typeof bp.code === 'string' && /^(Z_|ERR__|ERR_(ZLIB|BROTLI|ZSTD))/.test(bp.code)) {
    // A gzip/deflate/br body that does not decompress (body-parser passes zlib's error on).
    return {
      problem: {
        type: problemType('malformed-body'),
        title: 'Malformed request body',
        status: 400,
        detail: 'The request body could not be decompressed; it does not match its Content-Encoding. Send it uncompressed or correctly encoded.',
        errors: [{ field: 'body', message: 'must be valid for its Content-Encoding' }],
      },
      headers: {},
      unexpected: false,
    };
  }

  if (err instanceof HttpException) {
    const status = err.getStatus();
    const [slug, title] = defaultTitle(status);
    const response = err.getResponse();
    let detail = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    if (Array.isArray(detail)) detail = detail.join('; ');
    if (status === 404 && typeof detail === 'string' && detail.startsWith('Cannot ')) {
      // Nest's route-not-found message ("Cannot GET /x") → something a person can act on.
      detail = `${detail.slice('Cannot '.length)} is not an API route. See /docs for the routes that exist.`;
    }
    const errors: FieldError[] = [];
    return {
      problem: { type: problemType(slug), title, status, detail: typeof detail === 'string' ? detail : title, errors },
      headers: {},
      unexpected: false,
    };
  }

  if (err instanceof QueryFailedError) {
    const code = (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code;
    // Input Postgres refused as a value (bad uuid/inet text, out of range): the caller's fault.
    // 22021/22P05: a character Postgres text cannot hold (NUL); 22007/22008: a date it cannot read.
    if (code && ['22P02', '22003', '22001', '22021', '22P05', '22007', '22008'].includes(code)) {
      return {
        problem: { type: problemType('bad-request'), title: 'Bad request', status: 400, detail: 'A value in the request has the wrong format.', errors: [] },
        headers: {},
        unexpected: false,
      };
    }
  }

  return {
    problem: {
      type: problemType('internal'),
      title: 'Internal server error',
      status: 500,
      detail: 'Something went wrong on our side. The error has been logged; try again, and contact support if it persists.',
      errors: [],
    },
    headers: {},
    unexpected: true,
  };
}

function bodyParserProblem(err: BodyParserError, bodyLimit: string): Problem | null {
  switch (err.type) {
    case 'entity.too.large':
      return {
        type: problemType('payload-too-large'),
        title: 'Request body too large',
        status: 413,
        detail: `The request body is larger than the limit of ${bodyLimit || `${err.limit} bytes`}. Send a smaller body.`,
        errors: [{ field: 'body', message: `must not be larger than ${bodyLimit || `${err.limit} bytes`}` }],
      };
    case 'entity.parse.failed':
      return {
        type: problemType('malformed-json'),
        title: 'Malformed JSON',
        status: 400,
        detail: `The request body is not valid JSON: ${err.message ?? 'parse error'}. Send a JSON object with Content-Type: application/json.`,
        errors: [{ field: 'body', message: 'must be valid JSON' }],
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        type: problemType('unsupported-media-type'),
        title: 'Unsupported media type',
        status: 415,
        detail: `${err.message ?? 'Unsupported encoding'}. Send UTF-8 JSON.`,
        errors: [{ field: 'body', message: 'must be UTF-8 JSON' }],
      };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { type: problemType('bad-request'), title: 'Bad request', status: 400, detail: err.message ?? 'The request body could not be read.', errors: [] };
    default:
      return null;
  }
}
