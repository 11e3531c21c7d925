'use client';
import { Alert, Button, Card, Group, Modal, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { CopyField, EmptyState, ErrorState, LoadingRows, PageHeader, formatAgo, formatBytes, problemMessage, ToneBadge, useHeld } from '@anyfront/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok, problemOf, type Schemas } from '../lib/api';
import { useFleetNodes } from '../lib/queries';
import { fleetByPop, HEALTH_COLOUR, nodeHealth } from './fleet-health';

type Node = Schemas['FleetNodeDto'];

/** Drain or undrain, after a confirmation that says what moves (services, last hour of traffic, where it goes). */
function DrainDialog({ node: opened, onClose }: { node: Node | null; onClose: () => void }) {
  const qc = useQueryClient();
  const node = useHeld(opened);
  const draining = node ? !node.drained : true;
  const impact = useQuery({
    queryKey: ['impact', node?.id],
    queryFn: () => ok(api.GET('/v1/admin/edge-nodes/{id}/impact', { params: { path: { id: node?.id ?? '' } } })),
    enabled: Boolean(node),
  });
  const act = useMutation({
    mutationFn: async () => {
      const path = { params: { path: { id: node?.id ?? '' } } };
      return ok(draining ? api.POST('/v1/admin/fleet/edge-nodes/{id}/drain', path) : api.POST('/v1/admin/fleet/edge-nodes/{id}/undrain', path));
    },
    onSuccess: async () => { await qc.invalidateQueries({ queryKey: ['fleet-nodes'] }); onClose(); },
  });
  const i = impact.data;
  return (
    <Modal opened={Boolean(opened)} onClose={onClose} title={node ? `${draining ? 'Drain' : 'Undrain'} ${node.name}?` : ''} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack>
        {impact.isPending && <LoadingRows rows={2} height={20} />}
        {i && (draining ? (
          <Text size="sm" data-testid="drain-impact">
            {node?.name} withdraws its announcements: <b>{i.services} service{i.services === 1 ? '' : 's'}</b> and <b>{formatBytes(Number(i.bytes_last_hour))}</b> of traffic in the last hour move{' '}
            {i.other_announcing_in_pop > 0 ? `to the other ${i.other_announcing_in_pop} edge node${i.other_announcing_in_pop === 1 ? '' : 's'} of ${node?.pop_code.toUpperCase()}` : 'to other PoPs (no other node of this PoP announces)'}. Running connections follow the route change.
          </Text>
        ) : <Text size="sm" data-testid="drain-impact">{node?.name} announces its pools again and takes back {i.services} service{i.services === 1 ? '' : 's'}.</Text>)}
        {act.isError && <Alert color="red" role="alert">{problemMessage(problemOf(act.error), 'Failed')}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button color={draining ? 'red.8' : 'brand'} loading={act.isPending} onClick={() => act.mutate()}>{draining ? 'Drain' : 'Undrain'}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A secret shown once: a bootstrap token or a rotated node credential. */
function SecretDialog({ secret: opened, onClose }: { secret: { title: string; value: string; note: string } | null; onClose: () => void }) {
  const secret = useHeld(opened);
  return (
    <Modal opened={Boolean(opened)} onClose={onClose} title={secret?.title ?? ''} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      {secret && <Stack><Alert color="yellow" variant="light">{secret.note}</Alert><CopyField value={secret.value} label={secret.title} block /><Group justify="flex-end"><Button onClick={onClose}>Done</Button></Group></Stack>}
    </Modal>
  );
}

export function EdgeNodesView() {
  const nodes = useFleetNodes();
  const [drain, setDrain] = useState<Node | null>(null);
  const [secret, setSecret] = useState<{ title: string; value: string; note: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const issueToken = async (n: Node) => {
    setError(null);
    const r = await api.POST('/v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens', { params: { path: { id: n.id } } });
    if (r.error || !r.data) return setError(problemMessage(r.error, 'Could not issue a token'));
    setSecret({ title: `Bootstrap token for ${n.name}`, value: r.data.token, note: `Shown once. The agent registers with it (POST /v1/agent/register) before ${new Date(r.data.expires_at).toLocaleString()}.` });
  };
  const rotate = async (n: Node) => {
    setError(null);
    const r = await api.POST('/v1/admin/fleet/edge-nodes/{id}/credentials/rotate', { params: { path: { id: n.id } } });
    if (r.error || !r.data) return setError(problemMessage(r.error, 'Could not rotate the credential'));
    setSecret({ title: `New credential for ${n.name}`, value: JSON.stringify(r.data), note: 'Shown once. Install it on the edge node; the old credential stops working.' });
  };
  return (
    <>
      <PageHeader title="PoPs and edge nodes" description="Per node: the generation it should run and the one it runs, whether it announces, its last error and heartbeat. Drain a node before maintenance." />
      <DrainDialog node={drain} onClose={() => setDrain(null)} />
      <SecretDialog secret={secret} onClose={() => setSecret(null)} />
      {error && <Alert color="red" role="alert" mb="md">{error}</Alert>}
      {nodes.isPending && <Card><LoadingRows rows={4} /></Card>}
      {nodes.isError && <ErrorState error={nodes.error} onRetry={() => void nodes.refetch()} />}
      {nodes.data && nodes.data.length === 0 && <Card><EmptyState title="No edge nodes yet">Create edge nodes under /v1/admin/edge-nodes, then issue each agent a bootstrap token here.</EmptyState></Card>}
      <Stack gap="lg">
        {nodes.data && fleetByPop(nodes.data).map((p) => (
          <Card key={p.popId} id={`pop-${p.popCode}`}>
            <Title order={2} size="h4" mb="sm" tt="uppercase">{p.popCode}</Title>
            <Table verticalSpacing="sm">
              <Table.Thead><Table.Tr><Table.Th>Node</Table.Th><Table.Th>State</Table.Th><Table.Th>Generation (applied / desired)</Table.Th><Table.Th>BGP</Table.Th><Table.Th>Heartbeat</Table.Th><Table.Th>Last error</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {p.nodes.map((n) => {
                  const h = nodeHealth(n);
                  return (
                    <Table.Tr key={n.id} id={`node-${n.id}`} data-node={n.name}>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap"><Text fw={600} size="sm">{n.name}</Text>{n.canary && <ToneBadge tone={n.canary_failed_reason ? 'red' : 'blue'} data-canary={n.canary_failed_reason ? 'failed' : 'ok'}>canary</ToneBadge>}</Group>
                        {n.canary_failed_reason && <Text size="xs" c="red.8" data-testid="rollout-halted">Rollout halted: {n.canary_failed_reason}</Text>}
                        {n.held_services > 0 && <Text size="xs" c="#a33f00" data-testid="held-services">{n.held_services} changed service{n.held_services === 1 ? '' : 's'} waiting for the canary</Text>}
                      </Table.Td>
                      <Table.Td><ToneBadge tone={HEALTH_COLOUR[h]} data-health={h}>{h}</ToneBadge>{n.pop_drained && <Text size="xs" c="dimmed">PoP drained</Text>}</Table.Td>
                      <Table.Td><Text size="sm" ff="monospace">{n.applied_generation} / {n.desired_generation}</Text>{n.lag > 0 && <Text size="xs" c="#a33f00">{n.lag} behind{n.sync_pending ? ', sync pending' : ''}</Text>}</Table.Td>
                      <Table.Td><Text size="sm">{n.announced === null ? '—' : n.announced ? 'announcing' : 'withdrawn'}</Text></Table.Td>
                      <Table.Td><Text size="sm">{formatAgo(n.last_heartbeat_at)}</Text></Table.Td>
                      <Table.Td maw={260}>{n.last_error || n.last_push_error ? <Tooltip label={n.last_error ?? n.last_push_error} multiline w={320}><Text size="xs" c="red.8" lineClamp={2}>{n.last_error ?? n.last_push_error}</Text></Tooltip> : <Text size="xs" c="dimmed">none</Text>}</Table.Td>
                      <Table.Td>
                        <Group gap={6} justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="default" onClick={() => void issueToken(n)}>Bootstrap token</Button>
                          <Button size="xs" variant="default" onClick={() => void rotate(n)} disabled={!n.registered}>Rotate credential</Button>
                          <Button size="xs" color={n.drained ? 'brand' : 'red'} variant="light" onClick={() => setDrain(n)} aria-label={`${n.drained ? 'Undrain' : 'Drain'} ${n.name}`}>{n.drained ? 'Undrain' : 'Drain'}</Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Card>
        ))}
      </Stack>
    </>
  );
}
