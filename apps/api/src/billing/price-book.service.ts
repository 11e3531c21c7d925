import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BillingError, entryAt, hourStart, parseIsoInstant, parsePriceBook, toEpochSeconds, type PriceBookEntryInput } from '@anyfront/billing';
import { BillingRepository, type PriceBookRow } from '@anyfront/db';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { problems } from '../common/problem';
import type { CreatePriceBookEntryDto, PriceBookDto, PriceBookEntryDto } from './price-book.dto';

const INPUT_TO_FIELD: Record<string, string> = {
  effectiveFrom: 'effective_from',
  ipv4AddressHour: 'ipv4_address_hour',
  ipv6AddressHour: 'ipv6_address_hour',
  trafficGb: 'traffic_gb',
  regionMultipliers: 'region_multipliers',
  freeAllowance: 'free_allowance',
};

/**
 * The price book: insert-only versions, each effective from a whole UTC hour. A new version must take
 * effect in the future, so lines already rated (and exported) never change.
 */
@Injectable()
export class PriceBookService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(now = new Date()): Promise<PriceBookDto> {
    const rows = await new BillingRepository(this.ds).priceBookRows();
    const book = parsePriceBook(rows.map((r) => r.input));
    return { current_version: entryAt(book, toEpochSeconds(now))?.version ?? null, entries: rows.map(toDto) };
  }

  async add(dto: CreatePriceBookEntryDto, p: Principal, now = new Date()): Promise<PriceBookEntryDto> {
    const from = parseIsoInstant(dto.effective_from);
    if (from === null) throw problems.validation([{ field: 'effective_from', message: 'must be an ISO 8601 instant with a zone, e.g. "2027-01-01T00:00:00Z"' }]);
    const nextHour = hourStart(toEpochSeconds(now)) + 3600;
    if (from < nextHour) {
      throw problems.validation([{ field: 'effective_from', message: `must be a whole hour in the future (the earliest is ${new Date(nextHour * 1000).toISOString()}): hours already used keep their prices` }]);
    }
    return this.ds.transaction(async (tx) => {
      const repo = new BillingRepository(tx);
      await repo.lockPriceBook();
      const rows = await repo.priceBookRows();
      const last = rows[rows.length - 1];
      const input: PriceBookEntryInput = {
        version: (last?.version ?? 0) + 1,
        effectiveFrom: dto.effective_from,
        currency: dto.currency ?? last?.input.currency ?? 'usd',
        ipv4AddressHour: dto.ipv4_address_hour,
        ipv6AddressHour: dto.ipv6_address_hour,
        trafficGb: dto.traffic_gb,
        ...(dto.region_multipliers ? { regionMultipliers: dto.region_multipliers } : {}),
        freeAllowance: dto.free_allowance,
        ...(dto.note ? { note: dto.note } : {}),
      };
      if (last && from <= toEpochSeconds(last.effectiveFrom)) {
        throw problems.validation([{ field: 'effective_from', message: `must be after version ${last.version}'s ${last.effectiveFrom.toISOString()}` }]);
      }
      try {
        parsePriceBook([...rows.map((r) => r.input), input]);
      } catch (err) {
        if (!(err instanceof BillingError)) throw err;
        const errors = err.issues.map((i) => ({ field: fieldOf(i.path), message: i.message }));
        throw problems.validation(errors.length ? errors : [{ field: 'body', message: err.message }]);
      }
      await repo.insertPriceBookEntry(input, p.userId);
      await this.audit.record(p, 'price_book.add', { type: 'price_book', id: String(input.version), organizationId: null }, { ...input }, tx);
      const [row] = (await repo.priceBookRows()).filter((r) => r.version === input.version);
      if (!row) throw new Error('the new price-book version is missing after insert');
      return toDto(row);
    });
  }
}

/** "1.ipv4AddressHour" (an index into the book, then the input's name) → "ipv4_address_hour". */
function fieldOf(path: string): string {
  const parts = path.split('.').filter((s) => !/^\d+$/.test(s));
  const [head, ...rest] = parts;
  if (!head) return 'body';
  return [INPUT_TO_FIELD[head] ?? head, ...rest].join('.');
}

function toDto(r: PriceBookRow): PriceBookEntryDto {
  return {
    version: r.version,
    effective_from: r.effectiveFrom.toISOString(),
    currency: r.input.currency,
    ipv4_address_hour: r.input.ipv4AddressHour,
    ipv6_address_hour: r.input.ipv6AddressHour,
    traffic_gb: r.input.trafficGb,
    region_multipliers: r.input.regionMultipliers ?? {},
    free_allowance: r.input.freeAllowance,
    note: r.input.note ?? null,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
  };
}
