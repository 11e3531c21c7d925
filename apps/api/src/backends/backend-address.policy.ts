import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Encapsulation, IpFamily } from '@anyfront/contracts';
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
    const [pools, edges] = await Promise.all([
      m.query<{ prefix: string }[]>(`SELECT prefix::text AS prefix FROM pools`),
      m.query<{ a: string }[]>(
        `SELECT host(tunnel_source_ipv4) AS a FROM edge_nodes WHERE tunnel_source_ipv4 IS NOT NULL
         UNION ALL SELECT host(tunnel_source_ipv6) FROM edge_nodes WHERE tunnel_source_ipv6 IS NOT NULL`,
      ),
    ]);
    const result = validateBackendAddress(input, {
      allowDocumentationAndUla: this.config.allowDocumentationAddresses,
      platformPrefixes: pools.map((p) => p.prefix),
      edgeAddresses: edges.map((e) => e.a),
    });
    if (!result.ok) throw problems.field(422, 'address', result.message, `backend-address-${result.code.replace(/_/g, '-')}`);
    const family = checkBackendFamily(encapsulation, result.address, result.family);
    if (!family.ok) throw problems.field(422, 'address', family.message, 'encapsulation-family-mismatch');
    return { address: result.address, family: result.family };
  }
}
