import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESIRED_STATE_VERSION, type DesiredState } from '@anyfront/contracts';
import { describeKey, generateStateSigner, signDesiredState } from '@anyfront/state-signing';
import type { SubmitOutcome } from '../reconciler';
import { registrationPaths } from './registration';
import { StateVerifier } from './signature';

const state: DesiredState = { version: DESIRED_STATE_VERSION, generation: 3, node: { id: 'edge-1', pop: 'ams' }, hash_seed: 1, drained: false, pools: [], services: [] };

describe('StateVerifier (the agent applies only signed states)', () => {
  const configKey = generateStateSigner();
  const registered = generateStateSigner();
  let dir: string;
  let applied: unknown[];
  const apply = async (s: unknown): Promise<SubmitOutcome> => { applied.push(s); return { status: 200, applied: true, generation: 3 }; };
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'af-verify-')); applied = []; });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('trusts the config keys, refuses unsigned states with 401 without applying them', async () => {
    const v = new StateVerifier([describeKey(configKey.publicKey).public_key], dir);
    expect(await v.submit(signDesiredState(state, configKey), apply)).toEqual({ status: 200, applied: true, generation: 3 });
    expect(applied).toEqual([state]); // the signature is not passed on
    expect(await v.submit(state, apply)).toMatchObject({ status: 401, detail: expect.stringMatching(/not signed/) });
    expect(await v.submit(signDesiredState(state, registered), apply)).toMatchObject({ status: 401, detail: expect.stringMatching(/unknown key/) });
    expect(applied).toHaveLength(1);
  });

  it('also trusts the keys registration stored, read when a state arrives (a registration made while running counts)', async () => {
    const v = new StateVerifier([], dir);
    const signed = signDesiredState(state, registered);
    expect(await v.submit(signed, apply)).toMatchObject({ status: 401, detail: expect.stringMatching(/trusts no state signing key/) });
    writeFileSync(registrationPaths(dir).registration, JSON.stringify({
      api_url: 'http://cp', node_id: 'edge-1', node_name: 'e', pop: 'ams', push_token: 'p'.repeat(20), registered_at: '2026-01-01T00:00:00Z',
      state_signing_keys: [describeKey(registered.publicKey)],
    }));
    expect(await v.submit(signed, apply)).toMatchObject({ status: 200 });
  });
});
