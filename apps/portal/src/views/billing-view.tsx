'use client';
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { EmptyState, ErrorState, LoadingRows, StatusBadge, formatMoney, formatUnitPrice, problemMessage, PageHeader } from '@anyfront/ui';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, idempotency, problemOf, type Schemas } from '../lib/api';
import { useBilling, useInvoices, useMe } from '../lib/queries';

type Line = Schemas['InvoiceLineDto'];
type Invoice = Schemas['BillingInvoiceDto'];

const day = (iso: string) => new Date(iso).toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
const period = (p: { from: string; to: string }) => `${day(p.from)} – ${day(p.to)}`;
const stamp = (iso: string) => new Date(iso).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
/** A span inside the month: "Dec 1, 00:00 – Dec 1, 11:00". */
const span = (from: string, to: string) => `${stamp(from)} – ${stamp(to)}`;
/** The API's line description repeats the price version and span in words; the table has columns for them. */
const itemName = (l: Line) => l.description.replace(/\s*\(price v\d+[^)]*\)$/, '');
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "7200 address-seconds" reads better as hours; bytes as GB. The exact figure stays in the API. */
function quantity(line: Line): string {
  if (line.quantity === null) return '';
  const q = Number(line.quantity);
  if (line.unit === 'address-second') return `${(q / 3600).toLocaleString([], { maximumFractionDigits: 2 })} address-hours`;
  if (line.unit === 'byte') return `${(q / 1e9).toLocaleString([], { maximumFractionDigits: 3 })} GB`;
  return line.quantity;
}

function LinesTable({ lines, currency, total, caption }: { lines: Line[]; currency: string; total: string; caption: string }) {
  return (
    <Table verticalSpacing="sm" striped={false} highlightOnHover={false}>
      <caption style={{ captionSide: 'top', textAlign: 'left', paddingBottom: 8 }}><Text size="sm" c="dimmed">{caption}</Text></caption>
      <Table.Thead>
        <Table.Tr><Table.Th>Item</Table.Th><Table.Th>Quantity</Table.Th><Table.Th>Unit price</Table.Th><Table.Th ta="right">Amount</Table.Th></Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {lines.map((l, i) => (
          <Table.Tr key={`${l.metric ?? 'allowance'}-${l.price_version}-${i}`}>
            <Table.Td><Text size="sm" fw={500}>{itemName(l)}</Text>{l.from && l.to && <Text size="xs" c="dimmed">{span(l.from, l.to)} · price book v{l.price_version}</Text>}</Table.Td>
            <Table.Td><Text size="sm">{quantity(l)}</Text></Table.Td>
            <Table.Td><Text size="sm" c="dimmed">{l.unit_price ? formatUnitPrice(l.unit_price, currency) : ''}</Text></Table.Td>
            <Table.Td ta="right"><Text size="sm" ff="monospace">{formatMoney(l.amount, currency)}</Text></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
      <Table.Tfoot>
        <Table.Tr><Table.Th colSpan={3}>Total</Table.Th><Table.Th ta="right" ff="monospace">{formatMoney(total, currency)}</Table.Th></Table.Tr>
      </Table.Tfoot>
    </Table>
  );
}

/** Plan, standing, the invoice preview of the month so far, past invoices and the Stripe buttons. */
export function BillingView() {
  const billing = useBilling();
  const invoices = useInvoices();
  const me = useMe();
  const [actionError, setActionError] = useState<string | null>(null);
  const isOwner = me.data?.role === 'owner';
  // Both answer a Stripe-hosted URL; the browser goes there and Stripe sends it back.
  const toStripe = useMutation({
    mutationFn: async (which: 'checkout' | 'portal') => {
      const r = which === 'checkout'
        ? await api.POST('/v1/billing/checkout-session', { params: idempotency(), body: { plan: 'standard' } })
        : await api.POST('/v1/billing/portal-session', { params: idempotency() });
      if (r.error || !r.data) throw new Error(problemMessage(r.error, 'Stripe is not reachable right now'));
      return r.data.url;
    },
    onMutate: () => setActionError(null),
    onSuccess: (url) => window.location.assign(url),
    onError: (err) => setActionError(problemMessage(problemOf(err), err instanceof Error ? err.message : 'Failed')),
  });

  const b = billing.data;
  const local = b?.mode === 'local_ledger';
  return (
    <>
      <PageHeader
        title="Billing"
        description="What this month costs so far, rated from your address time and the traffic the edges carried, and your invoices."
        actions={b && !local && isOwner && (
          <>
            {b.has_payment_method
              ? <Button variant="default" loading={toStripe.isPending && toStripe.variables === 'portal'} onClick={() => toStripe.mutate('portal')}>Manage payment methods</Button>
              : <Button loading={toStripe.isPending && toStripe.variables === 'checkout'} onClick={() => toStripe.mutate('checkout')}>{b.plan === 'free' ? 'Upgrade to Standard' : 'Add a payment method'}</Button>}
          </>
        )}
      />
      {billing.isPending && <Card><LoadingRows rows={4} /></Card>}
      {billing.isError && <ErrorState error={billing.error} onRetry={() => void billing.refetch()} />}
      {b && (
        <Stack gap="lg">
          {actionError && <Alert color="red" variant="light" role="alert" title="Could not open Stripe">{actionError}</Alert>}
          {b.status === 'past_due' && (
            <Alert color="yellow" variant="light" role="alert" title="Payment failed">
              The last payment did not go through. Update your payment method{b.grace_until ? ` before ${new Date(b.grace_until).toLocaleString()}` : ''}; after that your services are withdrawn from the edges.
            </Alert>
          )}
          {b.status === 'suspended' && (
            <Alert color="red" variant="light" role="alert" title="Organization suspended">
              Your services are withdrawn from the edges{b.status_reason === 'operator' ? ' by an operator' : ' because payment failed'}. {b.status_reason === 'operator' ? 'Contact support.' : 'Pay the open invoice to restore them; traffic flows again within seconds.'}
            </Alert>
          )}
          {local && (
            <Alert color="blue" variant="light" title="Local ledger">
              This installation has no payment provider configured: usage is metered and rated exactly as it would be billed, and kept as monthly statements below. Nothing is charged.
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Card>
              <Text size="sm" c="dimmed">Plan</Text>
              <Group gap="xs" mt={4}><Title order={2}>{b.plan_name}</Title><StatusBadge status={b.status} /></Group>
              <Text size="xs" c="dimmed" mt={4}>{b.has_payment_method ? 'Payment method on file' : 'No payment method'}</Text>
            </Card>
            <Card>
              <Text size="sm" c="dimmed">This month so far</Text>
              <Title order={2} mt={4} data-testid="preview-total">{formatMoney(b.invoice_preview.amount_due, b.invoice_preview.currency)}</Title>
              <Text size="xs" c="dimmed" mt={4}>Usage counted up to {new Date(b.invoice_preview.as_of).toLocaleString()}</Text>
            </Card>
            <Card>
              <Text size="sm" c="dimmed">Current period</Text>
              <Text fw={600} mt={6}>{period(b.current_period)}</Text>
              <Text size="xs" c="dimmed" mt={4}>Quotas: {plural(b.quotas.services, 'service', 'services')}, {plural(b.quotas.ipv4_addresses, 'IPv4 address', 'IPv4 addresses')}, {b.quotas.traffic_gb_per_month === null ? 'unlimited traffic' : `${b.quotas.traffic_gb_per_month} GB/month`}</Text>
            </Card>
          </SimpleGrid>
          <Card>
            <Group justify="space-between" mb="xs">
              <Title order={2} size="h4">Invoice preview</Title>
              {b.plan === 'free' && <Badge variant="light" color="gray">Free plan: nothing is due</Badge>}
            </Group>
            {b.invoice_preview.lines.length === 0
              ? <EmptyState title="Nothing used yet">Address time and traffic appear here as soon as a service holds an address.</EmptyState>
              : <LinesTable lines={b.invoice_preview.lines} currency={b.invoice_preview.currency} total={b.invoice_preview.total} caption={`Rated with the price book, ${span(b.invoice_preview.period.from, b.invoice_preview.as_of)}. Each amount is rounded once, per line.`} />}
          </Card>
          <Card>
            <Title order={2} size="h4" mb="xs">{local ? 'Statements' : 'Invoices'}</Title>
            {invoices.isPending && <LoadingRows rows={2} />}
            {invoices.isError && <ErrorState error={invoices.error} onRetry={() => void invoices.refetch()} />}
            {invoices.data && (invoices.data.invoices.length === 0
              ? <EmptyState title={local ? 'No statements yet' : 'No invoices yet'}>{local ? 'A statement is closed at the end of each month.' : 'Your first invoice is issued at the end of the billing period.'}</EmptyState>
              : <InvoicesTable invoices={invoices.data.invoices} />)}
          </Card>
        </Stack>
      )}
    </>
  );
}

function InvoicesTable({ invoices }: { invoices: Invoice[] }) {
  return (
    <Table verticalSpacing="sm">
      <Table.Thead><Table.Tr><Table.Th>Period</Table.Th><Table.Th>Plan</Table.Th><Table.Th>Status</Table.Th><Table.Th ta="right">Total</Table.Th><Table.Th ta="right">Due</Table.Th><Table.Th /></Table.Tr></Table.Thead>
      <Table.Tbody>
        {invoices.map((inv) => (
          <Table.Tr key={inv.id}>
            <Table.Td>{period(inv.period)}</Table.Td>
            <Table.Td tt="capitalize">{inv.plan}</Table.Td>
            <Table.Td><StatusBadge status={inv.status} /></Table.Td>
            <Table.Td ta="right" ff="monospace">{formatMoney(inv.total, inv.currency)}</Table.Td>
            <Table.Td ta="right" ff="monospace">{formatMoney(inv.amount_due, inv.currency)}</Table.Td>
            <Table.Td ta="right">{inv.hosted_invoice_url && <Anchor href={inv.hosted_invoice_url} target="_blank" rel="noreferrer" size="sm">View</Anchor>}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
