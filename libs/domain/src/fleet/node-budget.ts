import type { ServiceState } from '@anyfront/contracts';
import type { PublishCheck } from './publish-filter';

/**
 * What one edge node's data plane can hold, fleet-wide (issue 8: one tenant's 10,160 backends
 * exhausted an edge's 10,000 fwmarks and the agent applied nothing, so every tenant in the PoP went
 * down). The control plane keeps every node's state inside this budget: a service that would not
 * fit is left out of that node's state (with the reason in its deploy status), never the node.
 */
export interface NodeBudget {
  /** One fwmark (and policy-routing table) per (service, backend); the agent's default mark_count is 10,000. */
  fwmarks: number;
  /** nftables map elements: each service's Maglev table plus one per address and per backend. */
  nftElements: number;
}

export const DEFAULT_NODE_BUDGET: NodeBudget = { fwmarks: 8_000, nftElements: 2_000_000 };

/** What a service part costs a node. */
export function serviceCost(s: ServiceState): NodeBudget {
  return { fwmarks: s.backends.length, nftElements: s.maglev_table_size + s.addresses.length + 2 * s.backends.length };
}

/**
 * Running totals per `accepted` array: the planner passes the same array, growing, for every
 * candidate of a node, so summing it afresh each time would cost O(services²) per node.
 */
const totals = new WeakMap<readonly ServiceState[], { counted: number; fwmarks: number; nftElements: number }>();

function usedBy(accepted: readonly ServiceState[]): NodeBudget {
  let t = totals.get(accepted);
  if (!t || t.counted > accepted.length) t = { counted: 0, fwmarks: 0, nftElements: 0 };
  for (const s of accepted.slice(t.counted)) {
    const c = serviceCost(s);
    t.fwmarks += c.fwmarks;
    t.nftElements += c.nftElements;
    t.counted++;
  }
  totals.set(accepted, t);
  return { fwmarks: t.fwmarks, nftElements: t.nftElements };
}

export function nodeBudgetCheck(budget: NodeBudget = DEFAULT_NODE_BUDGET): PublishCheck {
  return {
    name: 'node-budget',
    exclusionReason({ rendered, accepted }) {
      const used = usedBy(accepted);
      const cost = serviceCost(rendered);
      if (used.fwmarks + cost.fwmarks > budget.fwmarks) {
        return `the edge node's budget of ${budget.fwmarks} backend marks is used up (${used.fwmarks} taken by other services, this one needs ${cost.fwmarks}); the platform is adding capacity`;
      }
      if (used.nftElements + cost.nftElements > budget.nftElements) {
        return `the edge node's budget of ${budget.nftElements} data-plane table entries is used up (${used.nftElements} taken by other services, this one needs ${cost.nftElements}); the platform is adding capacity`;
      }
      return null;
    },
  };
}
