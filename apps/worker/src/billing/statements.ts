import type { DataSource } from 'typeorm';
import { calendarMonth, invoiceLineJson, previewInvoice, toEpochSeconds, type Period } from '@anyfront/billing';
import { BillingAccountsRepository, BillingRepository } from '@anyfront/db';

/**
 * Local-ledger mode: closes the month before `now` into one statement per organization that held an
 * address or sent traffic in it (previewInvoice over the whole month, the plan of the moment).
 * Idempotent: a statement is inserted once per organization and period.
 */
export async function closeStatements(ds: DataSource, now: Date): Promise<{ period: Period; created: number }> {
  const period = calendarMonth(calendarMonth(toEpochSeconds(now)).from - 1);
  const accounts = new BillingAccountsRepository(ds);
  const usage = new BillingRepository(ds);
  const book = await usage.priceBook();
  let created = 0;
  for (const organizationId of await accounts.organizationsWithUsage(new Date(period.from * 1000), new Date(period.to * 1000))) {
    const [account, holdings, traffic] = await Promise.all([
      accounts.get(organizationId),
      usage.holdings(organizationId, period.from, period.to),
      usage.trafficHours(organizationId, period.from, period.to),
    ]);
    const p = previewInvoice({ organizationId, plan: account.plan, book, period, holdings, traffic });
    const inserted = await accounts.insertStatement(organizationId, {
      periodFrom: new Date(period.from * 1000),
      periodTo: new Date(period.to * 1000),
      plan: p.plan,
      currency: p.currency,
      lines: p.lines.map(invoiceLineJson),
      subtotal: p.subtotal,
      total: p.total,
      amountDue: p.amountDue,
    });
    if (inserted) created++;
  }
  return { period, created };
}
