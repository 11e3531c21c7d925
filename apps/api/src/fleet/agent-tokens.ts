import { createHash, randomBytes } from 'node:crypto';
import { BOOTSTRAP_TOKEN_PREFIX, NODE_CREDENTIAL_PREFIX } from '@anyfront/contracts';

/** Tokens carry 256 random bits, so a plain sha256 is enough to store them and look them up. */
export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newBootstrapToken(): string {
  return BOOTSTRAP_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function newNodeCredential(): string {
  return NODE_CREDENTIAL_PREFIX + randomBytes(32).toString('base64url');
}

export function newPushToken(): string {
  return randomBytes(32).toString('base64url');
}
