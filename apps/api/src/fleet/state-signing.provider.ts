import type { Provider } from '@nestjs/common';
import { loadStateSigningKeys } from '@anyfront/state-signing';

/** The control plane's desired-state signing key (loaded or created at start; see SECURITY.md). */
export const STATE_SIGNING_KEYS = Symbol('STATE_SIGNING_KEYS');

export const stateSigningKeysProvider: Provider = { provide: STATE_SIGNING_KEYS, useFactory: () => loadStateSigningKeys(process.env) };
