import type { NextFunction, Request, Response } from 'express';
import { problemType, sendProblem } from './problem';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string): string | null {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * CSRF defence (issue 8): a state-changing request a browser could send on a user's behalf — one
 * authenticated by the session cookie, or an anonymous one such as login — must come from an
 * allowed origin. Its Origin header (without one, its Referer's origin) must be the origin the
 * browser used for this API (behind a trusted proxy such as the portal's: its forwarded host) or
 * one of ALLOWED_ORIGINS. "null" and unparsable
 * values are refused. Requests with an Authorization header pass (a browser never adds one
 * cross-site), and so do requests with neither header (curl, SDKs, servers): browsers send Origin
 * on every cross-origin POST, PUT, PATCH and DELETE.
 */
export function csrfOriginCheck(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method) || req.headers.authorization !== undefined) return next();
    const origin = req.headers.origin;
    const referer = req.headers.referer;
    if (origin === undefined && referer === undefined) return next();
    const claimed = origin !== undefined ? originOf(origin) : originOf(referer ?? '');
    // The origin the browser used: behind a trusted proxy (TRUST_PROXY) its X-Forwarded-Host/-Proto.
    const own = `${req.protocol}://${req.host}`;
    if (claimed !== null && (claimed === own || allowed.has(claimed))) return next();
    sendProblem(res, {
      type: problemType('csrf-origin'),
      title: 'Forbidden',
      status: 403,
      detail: `A ${req.method} from origin ${origin ?? referer ?? 'unknown'} is not accepted with a session cookie: only this API's own origin${allowed.size ? ' and ALLOWED_ORIGINS' : ''} may change things this way. Use an API key (Authorization: Bearer) from other sites.`,
      errors: [{ field: origin !== undefined ? 'header.Origin' : 'header.Referer', message: 'is not an allowed origin' }],
    });
  };
}
