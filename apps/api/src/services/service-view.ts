import type { IpFamily } from '@anyfront/contracts';
import type { Service } from '@anyfront/db';
import type { ServiceAddressDto, ServiceDto } from './services.dto';

export interface AddressRow {
  service_id: string;
  address: string;
  family: IpFamily;
  pool: string;
  pool_id: string;
}

/** Entity → public snake_case JSON. */
export function toServiceDto(s: Service, addresses: AddressRow[]): ServiceDto {
  return {
    id: s.id,
    name: s.name,
    listeners: s.listeners.map((l) => ({ protocol: l.protocol, ports: l.ports })),
    hash_mode: s.hashMode,
    encapsulation: s.encapsulation,
    gue_port: s.guePort,
    health_check: { ...s.healthCheck },
    status: s.status,
    status_reason: s.statusReason,
    addresses: addresses
      .filter((a) => a.service_id === s.id)
      .map((a): ServiceAddressDto => ({ address: a.address, family: a.family, pool: a.pool, pool_id: a.pool_id })),
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}
