// Canonical JSON lives with the desired-state signatures (they sign it); re-exported for the state hashes.
export { canonicalJson, sha256Hex } from '@anyfront/state-signing';
