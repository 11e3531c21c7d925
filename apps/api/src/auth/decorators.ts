import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { problems } from '../common/problem';
import type { Principal, PrincipalRole, RequestWithPrincipal } from './principal';

export const IS_PUBLIC = 'anyfront:isPublic';
export const ROLES = 'anyfront:roles';

/** The route needs no credential (a credential, when sent, is still read). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route; others get 403. */
export const Roles = (...roles: PrincipalRole[]) => SetMetadata(ROLES, roles);

/** The authenticated caller (undefined only on @Public() routes called anonymously). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal as Principal;
});

/**
 * The caller's organization id, for tenant routes. Refuses (403) a credential that acts for no
 * organization, e.g. an operator without one, so handlers can always scope queries by it.
 */
export const OrganizationId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw problems.unauthenticated();
  if (!principal.organizationId) throw problems.forbidden('This credential does not act for an organization; log in as a member of one.');
  return principal.organizationId;
});
