import { HttpStatus } from '@nestjs/common';
import { BillingAccountsRepository, type Queryable } from '@anyfront/db';
import { ProblemException } from '../common/problem';

/**
 * A suspended organization (unpaid past its grace period, or held by an operator) adds no services
 * or backends: 402 problem, inside the caller's write transaction so nothing is written.
 */
export async function refuseWhileSuspended(tx: Queryable, organizationId: string, what: 'services' | 'backends'): Promise<void> {
  const account = await new BillingAccountsRepository(tx).get(organizationId);
  if (account.status !== 'suspended') return;
  const why = account.operatorHold ? `by an operator (${account.operatorHold.reason})` : 'because an invoice is unpaid past its grace period';
  throw new ProblemException(HttpStatus.PAYMENT_REQUIRED, `The organization is suspended ${why}: no new ${what} can be added, and its services are withdrawn from the fleet until it is restored (GET /v1/billing).`, {
    slug: 'organization-suspended',
    title: 'Organization suspended',
  });
}
