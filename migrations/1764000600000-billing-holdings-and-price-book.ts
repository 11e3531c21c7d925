import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing, part 1: the append-only holding history and the price book (libs/billing/README.md,
 * "What the database-facing part needs").
 *
 * address_holdings: who held which anycast address when. A slot row's service_id is overwritten when
 * the address is reused, so address-hours cannot be rebuilt from anycast_addresses. A trigger on
 * anycast_addresses writes the history in the same transaction as every assign, release, quarantine,
 * reuse or relocation, whichever code path makes it (worker, API, admin tools, fixtures): a row turning
 * `assigned` (or changing holder) opens a holding, a row leaving `assigned` (or changing holder, or
 * deleted) closes the open one. Only that close is ever an update; nothing is deleted. No foreign keys:
 * the history outlives the services and organizations it names.
 *
 * price_book_entries: insert-only versions; the default book is seeded here so every database can rate
 * from the start. It is a frozen copy of DEFAULT_PRICE_BOOK_INPUT as of this migration (a migration
 * never changes), checked against the lib by billing-migration.int-spec.
 */
const DEFAULT_ENTRY = {
  version: 1,
  effectiveFrom: '2026-01-01T00:00:00Z',
  currency: 'usd',
  ipv4AddressHour: '0.54',
  ipv6AddressHour: '0',
  trafficGb: '1.5',
  regionMultipliers: { 'ap-northeast': '2', 'ap-southeast': '2', 'sa-east': '3' },
  freeAllowance: '1000',
  note: 'Default prices (libs/billing/README.md)',
};

export class BillingHoldingsAndPriceBook1764000600000 implements MigrationInterface {
  name = 'BillingHoldingsAndPriceBook1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE address_holdings (
        id bigserial PRIMARY KEY,
        organization_id uuid NOT NULL,
        service_id uuid NOT NULL,
        anycast_address_id uuid NOT NULL,
        address inet NOT NULL,
        family smallint NOT NULL CHECK (family IN (4, 6)),
        held_from timestamptz NOT NULL,
        held_to timestamptz,
        CONSTRAINT address_holdings_order CHECK (held_to IS NULL OR held_to >= held_from)
      );
      -- One holder per address at a time.
      CREATE UNIQUE INDEX address_holdings_open_key ON address_holdings (address) WHERE held_to IS NULL;
      CREATE INDEX address_holdings_org_idx ON address_holdings (organization_id, held_from);

      CREATE FUNCTION address_holdings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'address_holdings is append-only (delete of holding %)', OLD.id;
        END IF;
        IF OLD.held_to IS NOT NULL OR NEW.held_to IS NULL
           OR (NEW.organization_id, NEW.service_id, NEW.anycast_address_id, NEW.address, NEW.family, NEW.held_from)
              IS DISTINCT FROM (OLD.organization_id, OLD.service_id, OLD.anycast_address_id, OLD.address, OLD.family, OLD.held_from) THEN
          RAISE EXCEPTION 'address_holdings is append-only: only closing an open holding is allowed (holding %)', OLD.id;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER address_holdings_append_only BEFORE UPDATE OR DELETE ON address_holdings
        FOR EACH ROW EXECUTE FUNCTION address_holdings_append_only();

      CREATE FUNCTION anycast_addresses_track_holding() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' AND OLD.state = 'assigned' THEN
          IF TG_OP = 'DELETE' OR NEW.state <> 'assigned' OR NEW.service_id IS DISTINCT FROM OLD.service_id OR NEW.address <> OLD.address THEN
            UPDATE address_holdings SET held_to = now() WHERE address = OLD.address AND held_to IS NULL;
          END IF;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state = 'assigned' THEN
          IF TG_OP = 'INSERT' OR OLD.state <> 'assigned' OR NEW.service_id IS DISTINCT FROM OLD.service_id OR NEW.address <> OLD.address THEN
            -- organization_id is NOT NULL: a holder without a service row fails the slot change itself.
            INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from)
            VALUES ((SELECT organization_id FROM services WHERE id = NEW.service_id), NEW.service_id, NEW.id, NEW.address, NEW.family, now());
          END IF;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER anycast_addresses_track_holding AFTER INSERT OR UPDATE OR DELETE ON anycast_addresses
        FOR EACH ROW EXECUTE FUNCTION anycast_addresses_track_holding();

      -- Addresses held before the history existed: held since they were assigned.
      INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from)
      SELECT s.organization_id, a.service_id, a.id, a.address, a.family, a.assigned_at
        FROM anycast_addresses a JOIN services s ON s.id = a.service_id
       WHERE a.state = 'assigned';

      CREATE TABLE price_book_entries (
        version integer PRIMARY KEY CHECK (version > 0),
        effective_from timestamptz NOT NULL UNIQUE,
        input jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE FUNCTION price_book_entries_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'price_book_entries is insert-only: add a new version instead';
      END $$;
      CREATE TRIGGER price_book_entries_insert_only BEFORE UPDATE OR DELETE ON price_book_entries
        FOR EACH ROW EXECUTE FUNCTION price_book_entries_insert_only();
    `);
    await q.query(`INSERT INTO price_book_entries (version, effective_from, input) VALUES ($1, $2, $3)`, [
      DEFAULT_ENTRY.version,
      DEFAULT_ENTRY.effectiveFrom,
      JSON.stringify(DEFAULT_ENTRY),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE price_book_entries;
      DROP FUNCTION price_book_entries_insert_only();
      DROP TRIGGER anycast_addresses_track_holding ON anycast_addresses;
      DROP FUNCTION anycast_addresses_track_holding();
      DROP TABLE address_holdings;
      DROP FUNCTION address_holdings_append_only();
    `);
  }
}
