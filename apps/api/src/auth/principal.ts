export type PrincipalRole = 'owner' | 'member' | 'operator';

/** Who is calling. Set on the request by AuthGuard; read it with @CurrentPrincipal(). */
export interface Principal {
  /** null when the credential is an API key (keys belong to the organization, not a person). */
  userId: string | null;
  /** null for an operator who belongs to no organization. */
  organizationId: string | null;
  role: PrincipalRole;
  credential: 'session' | 'api_key';
  credentialId: string;
}

export interface RequestWithPrincipal {
  principal?: Principal;
}
