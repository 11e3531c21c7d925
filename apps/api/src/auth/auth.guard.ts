import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppConfig } from '../config';
import { problems } from '../common/problem';
import { CredentialsService } from './credentials.service';
import { IS_PUBLIC, ROLES } from './decorators';
import type { PrincipalRole, RequestWithPrincipal } from './principal';

/**
 * Global guard: every route needs a session cookie or `Authorization: Bearer <api key>` unless
 * marked @Public(); @Roles() narrows it further (403 for other roles).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request & RequestWithPrincipal>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]) ?? false;

    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      if (!key) throw problems.unauthenticated('The Authorization header must be "Bearer <api key>".');
      req.principal = (await this.credentials.fromApiKey(key)) ?? undefined;
      if (!req.principal && !isPublic) throw problems.unauthenticated('The API key is unknown or has been revoked. Create a new one under /v1/api-keys.');
    } else {
      const token = (req.cookies as Record<string, string> | undefined)?.[this.config.sessionCookieName];
      if (token) req.principal = (await this.credentials.fromSessionToken(token)) ?? undefined;
    }

    if (!req.principal) {
      if (isPublic) return true;
      throw problems.unauthenticated();
    }
    const roles = this.reflector.getAllAndOverride<PrincipalRole[] | undefined>(ROLES, [ctx.getHandler(), ctx.getClass()]);
    if (roles && !roles.includes(req.principal.role)) {
      throw problems.forbidden(`This needs the ${roles.join(' or ')} role; your credential has the ${req.principal.role} role.`);
    }
    return true;
  }
}
