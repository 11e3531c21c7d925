import { join } from 'node:path';
import type { DesiredState, SignedDesiredState } from '@anyfront/contracts';
import { describeKey, readOrCreateKeyFile, signDesiredState, signerFromPrivateKey, type StateSigner } from '@anyfront/state-signing';
import { labDir } from './paths';

/**
 * The lab plays the control plane for agents without one: it signs their desired states with its
 * own Ed25519 key (created with the lab directory, gone with `down`) and lists the public key in
 * their config (`state_keys`). Read from the file each time, so a CLI invocation and a test process
 * sign with the same key.
 */
export function labStateSigner(dir = labDir()): StateSigner {
  return signerFromPrivateKey(readOrCreateKeyFile(join(dir, 'state-signing-key.pem')).key);
}

export function labStatePublicKey(dir = labDir()): string {
  return describeKey(labStateSigner(dir).publicKey).public_key;
}

export function signForLab(state: DesiredState, dir = labDir()): SignedDesiredState {
  return signDesiredState(state, labStateSigner(dir));
}
