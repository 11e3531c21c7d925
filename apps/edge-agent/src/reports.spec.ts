import type { DataplanePlan } from '@anyfront/dataplane';
import { statusReport } from './reports';

const SVC = '11111111-1111-4111-8111-111111111111';
const B1 = '22222222-2222-4222-8222-222222222222';
const B2 = '33333333-3333-4333-8333-333333333333';
const plan = { services: [{ id: SVC, backends: [{ id: B1, healthy: false, mark: 1 }, { id: B2, healthy: true, mark: 2 }] }] } as unknown as DataplanePlan;
const base = { generation: 3, announced: true, drained: false, programmed: true, lastError: null, plan };

describe('statusReport', () => {
  it('carries why a backend is unhealthy (e.g. its path MTU), only for unhealthy ones, cut to the contract\'s 500 characters', () => {
    const why = `path MTU to backend below 1500: ${'x'.repeat(600)}`;
    const r = statusReport({ ...base, healthReason: () => why });
    expect(r.services?.[0]?.backends).toEqual([
      { id: B1, healthy: false, reason: why.slice(0, 500) },
      { id: B2, healthy: true },
    ]);
    // Without a reason (older checker, none known): no field.
    expect(statusReport({ ...base, healthReason: () => null }).services?.[0]?.backends[0]).toEqual({ id: B1, healthy: false });
  });
});
