import { classifyPushResponse } from './agent-push';
import { retentionCutoff } from '@anyfront/domain';
import { loadWorkerConfig } from '../config';

describe('classifyPushResponse', () => {
  it('treats 2xx as applied (also the no-op answer for a generation the agent already runs)', () => {
    expect(classifyPushResponse(200, { applied: true, generation: 7 }, 7)).toEqual({ kind: 'applied', generation: 7 });
    expect(classifyPushResponse(200, { applied: false, generation: 7 }, 7)).toEqual({ kind: 'applied', generation: 7 });
    expect(classifyPushResponse(204, '', 9)).toEqual({ kind: 'applied', generation: 9 });
  });

  it('retries 5xx, 408 and 429', () => {
    for (const s of [500, 502, 503, 408, 429]) expect(classifyPushResponse(s, { detail: 'x' }, 1).kind).toBe('retry');
  });

  it('does not retry refusals (invalid state, older generation, wrong token) and keeps the reason', () => {
    expect(classifyPushResponse(422, { detail: 'encapsulation srv6 needs IPv6 backends' }, 3)).toEqual({ kind: 'refused', status: 422, message: 'agent answered 422: encapsulation srv6 needs IPv6 backends' });
    expect(classifyPushResponse(409, { detail: 'older' }, 3).kind).toBe('refused');
    expect(classifyPushResponse(401, 'nope', 3).kind).toBe('refused');
  });
});

describe('traffic retention', () => {
  it('cuts at a whole hour, so an hour is either fully kept or fully pruned', () => {
    expect(retentionCutoff(new Date('2026-03-08T12:34:56Z'), 7).toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it('reads the worker settings and refuses bad ones', () => {
    const db = { DATABASE_URL: 'postgres://x/y' };
    expect(loadWorkerConfig(db).rawRetentionDays).toBe(7);
    expect(loadWorkerConfig({ ...db, TRAFFIC_RAW_RETENTION_DAYS: '30', FLEET_SWEEP_INTERVAL_SECONDS: '5' })).toMatchObject({ rawRetentionDays: 30, sweepIntervalSeconds: 5 });
    expect(() => loadWorkerConfig({ ...db, TRAFFIC_RAW_RETENTION_DAYS: '0' })).toThrow(/TRAFFIC_RAW_RETENTION_DAYS/);
    expect(() => loadWorkerConfig({ ...db, FLEET_SYNC_CONCURRENCY: 'many' })).toThrow(/FLEET_SYNC_CONCURRENCY/);
  });
});
