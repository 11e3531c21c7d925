import { z } from 'zod';
import { desiredStateSchema } from './desired-state';

/**
 * Signed desired states (SECURITY.md): the control plane signs every desired state with Ed25519 and
 * the edge agent applies only states signed by a key it trusts. The signature travels inside the
 * state as `signature`; it covers every other field (canonical JSON, see libs/domain state-signing).
 */
export const STATE_SIGNATURE_ALGORITHM = 'ed25519' as const;

/** Key ids are the first 16 base64url characters of sha256(raw public key): derived, never trusted as sent. */
export const stateKeyIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'must be a 16-character key id');
/** A raw 32-byte Ed25519 public key in base64url (43 characters, the JWK `x` form). */
export const statePublicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a raw Ed25519 public key in base64url (43 characters)');

export const stateSigningKeySchema = z.object({
  key_id: stateKeyIdSchema,
  public_key: statePublicKeySchema,
}).strict();

export const stateSignatureSchema = z.object({
  alg: z.literal(STATE_SIGNATURE_ALGORITHM),
  key_id: stateKeyIdSchema,
  /** 64-byte Ed25519 signature, base64url (86 characters). */
  value: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte signature in base64url'),
}).strict();

export const signedDesiredStateSchema = desiredStateSchema.extend({ signature: stateSignatureSchema });

export type StateSigningKey = z.infer<typeof stateSigningKeySchema>;
export type StateSignature = z.infer<typeof stateSignatureSchema>;
export type SignedDesiredState = z.infer<typeof signedDesiredStateSchema>;
