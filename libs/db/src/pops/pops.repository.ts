import type { EntityManager } from 'typeorm';
import { EdgeNode } from '../entities/edge-node.entity';
import { Pop } from '../entities/pop.entity';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

/**
 * PoPs and their edge nodes. Pass the transaction's EntityManager for writes; unique violations
 * (PoP code, node name, tunnel sources) surface as Postgres errors for the caller to explain.
 */
export class PopsRepository {
  constructor(private readonly db: EntityManager) {}

  create(values: Pick<Pop, 'code' | 'name' | 'region'>): Promise<Pop> {
    return this.db.save(this.db.create(Pop, values));
  }

  page(req: PageRequest): Promise<PageRows<Pop>> {
    return keysetPage(this.db.getRepository(Pop).createQueryBuilder('pop'), req);
  }

  find(id: string): Promise<Pop | null> {
    return this.db.findOneBy(Pop, { id });
  }

  /** The PoP locked for a change (FOR UPDATE), or null. */
  lock(id: string): Promise<Pop | null> {
    return this.db.findOne(Pop, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  exists(id: string): Promise<boolean> {
    return this.db.exists(Pop, { where: { id } });
  }

  save(pop: Pop): Promise<Pop> {
    return this.db.save(pop);
  }

  /** How many pools announce from the PoP and how many edge nodes it has (a PoP in use is not deleted). */
  async usage(id: string): Promise<{ pools: number; nodes: number }> {
    const [row] = await this.db.query<Array<{ pools: number; nodes: number }>>(
      `SELECT (SELECT count(*) FROM pool_pops WHERE pop_id = $1)::int AS pools, (SELECT count(*) FROM edge_nodes WHERE pop_id = $1)::int AS nodes`,
      [id],
    );
    return row ?? { pools: 0, nodes: 0 };
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(Pop, { id });
  }
}

/** Edge nodes with their PoP (the fleet state of a node is in fleet-state.repository.ts). */
export class EdgeNodesRepository {
  constructor(private readonly db: EntityManager) {}

  async create(values: Pick<EdgeNode, 'popId' | 'name' | 'state' | 'tunnelSourceIpv4' | 'tunnelSourceIpv6' | 'managementAddresses'>): Promise<EdgeNode> {
    const node = await this.db.save(this.db.create(EdgeNode, values));
    return (await this.findWithPop(node.id))!;
  }

  page(req: PageRequest): Promise<PageRows<EdgeNode>> {
    return keysetPage(this.db.getRepository(EdgeNode).createQueryBuilder('node').leftJoinAndSelect('node.pop', 'pop'), req);
  }

  findWithPop(id: string): Promise<EdgeNode | null> {
    return this.db.findOne(EdgeNode, { where: { id }, relations: { pop: true } });
  }

  /** The node locked for a change (FOR UPDATE), or null. */
  lock(id: string): Promise<EdgeNode | null> {
    return this.db.findOne(EdgeNode, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async save(node: EdgeNode): Promise<EdgeNode> {
    await this.db.save(node);
    return (await this.findWithPop(node.id))!;
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(EdgeNode, { id });
  }
}
