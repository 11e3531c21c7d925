import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { trustedStateKeys, verifySignedState } from '@anyfront/state-signing';
import type { SubmitOutcome } from '../reconciler';
import { registrationPaths, storedRegistrationSchema } from './registration';

/** What a push, a pull or the desired-state file gets back: the reconciler's outcome, or 401 for a signature refused. */
export type SignedSubmitOutcome = SubmitOutcome | { status: 401; title: string; detail: string; generation?: number };

/**
 * The agent applies a desired state only when its Ed25519 signature verifies against a key it
 * trusts (SECURITY.md): the keys from its config (`state_keys`) and the ones the control plane gave
 * at registration (`<state_dir>/control-plane.json`, re-read on every state so a registration made
 * while the agent runs counts). The node id and generation are inside the signed bytes, so the
 * reconciler's checks (this node only; older generations 409) apply to authentic values.
 */
export class StateVerifier {
  constructor(private readonly configKeys: readonly string[], private readonly stateDir: string) {}

  /** Raw public keys from the stored registration; none when there is no (readable) registration. */
  registrationKeys(): string[] {
    try {
      const raw = JSON.parse(readFileSync(registrationPaths(this.stateDir).registration, 'utf8')) as unknown;
      const r = storedRegistrationSchema.safeParse(raw);
      return r.success ? (r.data.state_signing_keys ?? []).map((k) => k.public_key) : [];
    } catch {
      return [];
    }
  }

  trusted(): Map<string, KeyObject> {
    return trustedStateKeys(new Set([...this.configKeys, ...this.registrationKeys()]));
  }

  /** Verifies, then hands the verified state (without its signature) to `apply`. */
  async submit(raw: unknown, apply: (state: unknown) => Promise<SubmitOutcome>): Promise<SignedSubmitOutcome> {
    const v = verifySignedState(raw, this.trusted());
    if (!v.ok) return { status: 401, title: 'Desired state not signed by the control plane', detail: v.reason };
    return apply(v.state);
  }
}
