// Holdings: who held which anycast address when. The database keeps them as an append-only history
// written in the same transaction as every assign/release/quarantine (a slot row's service_id is
// overwritten on reuse, so address-hours cannot be rebuilt from slots). replayHoldings is the
// reference semantics of that history: the rows it produces are the rows the database writes.
import { BillingError, BillingErrorCode } from './errors';
import { isWholeSecond, overlapSeconds } from './time';

export type AddressFamily = 4 | 6;

/** One organization's service holding one address over [from, to); to null while still held. */
export interface Holding {
  readonly organizationId: string;
  readonly serviceId: string;
  readonly address: string;
  readonly family: AddressFamily;
  /** Epoch seconds. */
  readonly from: number;
  readonly to: number | null;
}

export type HoldingEvent =
  | {
      readonly kind: 'assign';
      readonly at: number;
      readonly organizationId: string;
      readonly serviceId: string;
      readonly address: string;
      readonly family: AddressFamily;
    }
  /** The holder lets go: service deleted (address quarantined), address released, or relocated away. */
  | { readonly kind: 'release'; readonly at: number; readonly address: string };

/**
 * Folds address events (in the order they happened) into holdings. Assigning an address that
 * another service holds ends that holding and starts a new one (reassignment); assigning it again
 * to its current holder and releasing a free address change nothing, so a retried or duplicated
 * event cannot add or lose a second. Zero-length holdings are dropped.
 */
export function replayHoldings(events: Iterable<HoldingEvent>): Holding[] {
  const closed: Holding[] = [];
  const open = new Map<string, Holding>();
  const lastAt = new Map<string, number>();
  const close = (h: Holding, at: number) => {
    if (at > h.from) closed.push({ ...h, to: at });
  };
  for (const e of events) {
    if (!isWholeSecond(e.at)) throw new BillingError(BillingErrorCode.InvalidHoldingHistory, `event time ${e.at} is not whole epoch seconds`);
    const previous = lastAt.get(e.address);
    if (previous !== undefined && e.at < previous) {
      throw new BillingError(BillingErrorCode.InvalidHoldingHistory, `events of ${e.address} go back in time (${e.at} after ${previous})`);
    }
    lastAt.set(e.address, e.at);
    const current = open.get(e.address);
    if (e.kind === 'release') {
      if (current) {
        close(current, e.at);
        open.delete(e.address);
      }
      continue;
    }
    if (current && current.serviceId === e.serviceId && current.organizationId === e.organizationId) continue;
    if (current) close(current, e.at);
    open.set(e.address, { organizationId: e.organizationId, serviceId: e.serviceId, address: e.address, family: e.family, from: e.at, to: null });
  }
  return [...closed, ...open.values()].sort((a, b) => a.from - b.from || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export function validateHolding(h: Holding): void {
  if (!isWholeSecond(h.from) || (h.to !== null && !isWholeSecond(h.to))) {
    throw new BillingError(BillingErrorCode.InvalidUsage, `holding of ${h.address} has a time that is not whole epoch seconds`);
  }
  if (h.to !== null && h.to < h.from) throw new BillingError(BillingErrorCode.InvalidUsage, `holding of ${h.address} ends before it starts`);
  if (h.family !== 4 && h.family !== 6) throw new BillingError(BillingErrorCode.InvalidUsage, `holding of ${h.address} has family ${String(h.family)}`);
}

/** Seconds a holding covers inside [from, to). */
export function heldSeconds(h: Holding, from: number, to: number): number {
  return overlapSeconds(h.from, h.to, from, to);
}
