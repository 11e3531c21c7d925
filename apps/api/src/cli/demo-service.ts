import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { ServicesRepository } from '@anyfront/db';
import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { BackendsService } from '../backends/backends.service';
import { ServicesService } from '../services/services.service';
import type { DemoSeedResult } from './demo-data';

export const DEMO_SERVICE = {
  name: 'demo-web',
  listeners: [
    { protocol: 'tcp' as const, ports: '80' },
    { protocol: 'tcp' as const, ports: '443' },
  ],
  // Documentation addresses: accepted because demo deployments set ALLOW_DOCUMENTATION_ADDRESSES.
  backends: ['2001:db8:b0::10', '2001:db8:b0::11'],
};

/**
 * Creates the demo service through the same service layer as POST /v1/services (so slot
 * assignment is enqueued like for any service), unless the demo organization has it already.
 */
export async function seedDemoService(app: INestApplicationContext, seed: DemoSeedResult): Promise<{ serviceId: string; created: boolean }> {
  const ds = app.get<DataSource>(getDataSourceToken());
  const existing = await new ServicesRepository(ds.manager).findByName(seed.organizationId, DEMO_SERVICE.name);
  if (existing) return { serviceId: existing.id, created: false };
  const principal: Principal = { userId: null, organizationId: seed.organizationId, role: 'owner', credential: 'api_key', credentialId: seed.apiKeyId };
  const service = await app.get(ServicesService).create(seed.organizationId, { name: DEMO_SERVICE.name, listeners: DEMO_SERVICE.listeners }, principal);
  for (const address of DEMO_SERVICE.backends) {
    await app.get(BackendsService).create(seed.organizationId, service.id, { address }, principal);
  }
  return { serviceId: service.id, created: true };
}
