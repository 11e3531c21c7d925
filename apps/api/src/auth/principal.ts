import type { CredentialKind, PrincipalRole } from '@anyfront/contracts';

export type { PrincipalRole } from '@anyfront/contracts';

/** Who is calling. Set on the request by AuthGuard; read it with @CurrentPrincipal(). */
export interface Principal {
  /** null when the credential is an API key (keys belong to the organization, not a person). */
  userId: string | null;
  /** null for an operator who belongs to no organization. */
  organizationId: string | null;
  role: PrincipalRole;
  credential: CredentialKind;
  credentialId: string;
}

export interface RequestWithPrincipal {
  principal?: Principal;
}
