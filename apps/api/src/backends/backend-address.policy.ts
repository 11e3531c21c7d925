import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Encapsulation, IpFamily } from '@anyfront/contracts';
import { BackendsRepository } from '@anyfront/db';
import { checkBackendFamily, validateBackendAddress } from '@anyfront/domain';
import { problems } from '../common/problem';
import { AppConfig } from '../config';

/**
 * Decides whether an address may be a backend of a service: global unicast (libs/domain), not inside
 * the platform's own pools or edge tunnel addresses, and of the family the encapsulation needs.
 */
@Injectable()
export class BackendAddressPolicy {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** The canonical address and its family, or a 422 problem naming the `address` field. */
  async check(input: string, encapsulation: Encapsulation, m: EntityManager = this.ds.manager): Promise<{ address: string; family: IpFamily }> {
    const platform = await new BackendsRepository(m).platformAddresses();
    const result = validateBackendAddress(input, {
      allowDocumentationAndUla: this.config.allowDocumentationAddresses,
      platformPrefixes: platform.prefixes,
      edgeAddresses: platform.edgeAddresses,
    });
    if (!result.ok) throw problems.field(422, 'address', result.message, `backend-address-${result.code.replace(/_/g, '-')}`);
    const family = checkBackendFamily(encapsulation, result.address, result.family);
    if (!family.ok) throw problems.field(422, 'address', family.message, 'encapsulation-family-mismatch');
    return { address: result.address, family: result.family };
  }
}
