import { randomBytes } from 'node:crypto';
import { signup, type TestAccount } from '@anyfront/testing';
import type { QueryRunner } from 'typeorm';
import { ServicesService } from '../services/services.service';
import { createTestApp, type TestApp } from '../testing';
import { QuotasService } from './quotas.service';

jest.setTimeout(60_000);

/**
 * A write locks its parent rows (the organization for its quota, the service for its backends) to
 * serialise with other writes of the same kind. The lock must be FOR NO KEY UPDATE: FOR UPDATE also
 * blocks every insert that references the row (its FK check takes FOR KEY SHARE) until the write
 * commits, e.g. a member's login while a service is being created.
 */
describe('parent-row locks let referencing inserts through', () => {
  let t: TestApp;
  let a: TestAccount;
  let writer: QueryRunner;
  let other: QueryRunner;

  beforeAll(async () => {
    t = await createTestApp();
    a = await signup(t);
  });
  beforeEach(async () => {
    [writer, other] = [t.dataSource.createQueryRunner(), t.dataSource.createQueryRunner()];
    await writer.startTransaction();
    // Fail fast instead of waiting for the writer's commit.
    await other.query(`SET lock_timeout = '1s'`);
  });
  afterEach(async () => {
    await writer.rollbackTransaction();
    await writer.release();
    await other.query(`RESET lock_timeout`);
    await other.release();
  });
  afterAll(async () => {
    await t.close();
  });

  it("a quota reservation does not block a new session of the organization", async () => {
    await t.app.get(QuotasService).reserve(writer.manager, a.organizationId, 'services');
    await expect(other.query(
      `INSERT INTO sessions (token_hash, user_id, organization_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 hour')`,
      [randomBytes(16).toString('hex'), a.userId, a.organizationId],
    )).resolves.toBeDefined();
  });

  it('a locked service does not block a backend inserted for it', async () => {
    const svc = (await a.bearer.post('/v1/services').send({ name: `lock-${Date.now()}`, listeners: [{ protocol: 'tcp', ports: '80' }] })).body;
    await t.app.get(ServicesService).find(writer.manager, a.organizationId, svc.id, true);
    await expect(other.query(`INSERT INTO backends (service_id, address, family) VALUES ($1, '2001:db8::9', 6)`, [svc.id])).resolves.toBeDefined();
    await other.query(`DELETE FROM backends WHERE service_id = $1`, [svc.id]);
  });
});
