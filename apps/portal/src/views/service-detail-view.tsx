'use client';
import { Alert, Anchor, Badge, Button, Card, Grid, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Slider, Stack, Switch, Table, Tabs, Text, TextInput, Title, Tooltip, VisuallyHidden } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ConfirmButton, CopyField, EmptyState, ErrorState, LoadingRows, PopMap, StatusBadge, TrafficChart, formatAgo, formatBytes, formatCount, problemFieldErrors, problemMessage, seriesColour } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Fragment, useMemo, useState } from 'react';
import { api, idempotency, ok, type Schemas } from '../lib/api';
import { keys, useBackends, useDeployment, useHealth, useService, useTraffic, type TrafficSplit, type TrafficStep } from '../lib/queries';
import { BackendKitInstructions, backendKitCommand, VERIFICATION_WHY } from './backend-kit';
import { encapsulations, ListenerFields, portsError, type ListenerValue } from './service-fields';

type Service = Schemas['ServiceDto'];
type Backend = Schemas['BackendDto'];

/** Deploy status per PoP, polled every second (lib/queries.ts LIVE_MS). */
export function DeploymentCard({ id }: { id: string }) {
  const d = useDeployment(id);
  return (
    <Card>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">Deployment</Title>
        {d.data && <Group gap="xs"><StatusBadge status={d.data.status} /><Text size="sm" c="dimmed">{d.data.edge_nodes_deployed} of {d.data.edge_nodes} edge nodes</Text></Group>}
      </Group>
      {d.isPending && <LoadingRows rows={2} />}
      {d.isError && <ErrorState error={d.error} onRetry={() => void d.refetch()} />}
      {d.data && d.data.pops.length === 0 && <Text size="sm" c="dimmed">{d.data.status === 'no_edge_nodes' ? 'No edge node serves this service\'s pools yet.' : 'Waiting for the first edge node to pick the service up.'}</Text>}
      {d.data && d.data.pops.length > 0 && (
        <Table verticalSpacing="sm">
          <Table.Thead><Table.Tr><Table.Th>PoP</Table.Th><Table.Th>State</Table.Th><Table.Th>Edge nodes</Table.Th><Table.Th>Last heartbeat</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {d.data.pops.map((p) => {
              const done = p.nodes.filter((n) => n.status === 'deployed').length;
              const beat = p.nodes.map((n) => n.last_heartbeat_at).filter(Boolean).sort().at(-1);
              const reasons = p.nodes.map((n) => n.reason).filter(Boolean);
              return (
                <Table.Tr key={p.pop_id} data-pop={p.pop_code} data-pop-status={p.status}>
                  <Table.Td fw={600}>{p.pop_code.toUpperCase()}</Table.Td>
                  <Table.Td><Group gap={6}><StatusBadge status={p.status} />{reasons.length > 0 && <Text size="xs" c="red.8">{reasons.join('; ')}</Text>}</Group></Table.Td>
                  <Table.Td><Text size="sm">{done}/{p.nodes.length} on generation {Math.max(...p.nodes.map((n) => n.applied_generation ?? 0))}</Text></Table.Td>
                  <Table.Td><Text size="sm">{formatAgo(beat)}</Text></Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

function AddressesCard({ service, popCodes }: { service: Service; popCodes: string[] }) {
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">Anycast addresses</Title>
      {service.addresses.length === 0 ? (
        <Text size="sm" c="dimmed">{service.status === 'waiting_for_capacity' ? 'Waiting for free addresses in the pools; it is retried automatically.' : 'Being assigned (a few seconds)…'}</Text>
      ) : (
        <Stack gap="sm">
          {service.addresses.map((a) => (
            <Stack key={a.address} gap={2} data-address={a.address}>
              <CopyField value={a.address} label={`address ${a.address}`} />
              <Text size="xs" c="dimmed">IPv{a.family} · pool {a.pool} · announced from {popCodes.length ? popCodes.map((c) => c.toUpperCase()).join(', ') : 'no PoP yet'}</Text>
            </Stack>
          ))}
        </Stack>
      )}
    </Card>
  );
}

interface SettingsValues {
  name: string;
  listeners: ListenerValue[];
  hash_mode: Service['hash_mode'];
  encapsulation: Service['encapsulation'];
  gue_port: number | '';
  hc_protocol: 'tcp' | 'http';
  hc_port: number | '';
  hc_path: string;
  interval_seconds: number;
  timeout_seconds: number;
  healthy_threshold: number;
  unhealthy_threshold: number;
}

// The API names health-check fields health_check.<name>; the form keeps them flat.
const HC_FIELD: Record<string, keyof SettingsValues> = { 'health_check.protocol': 'hc_protocol', 'health_check.port': 'hc_port', 'health_check.path': 'hc_path', 'health_check.interval_seconds': 'interval_seconds', 'health_check.timeout_seconds': 'timeout_seconds', 'health_check.healthy_threshold': 'healthy_threshold', 'health_check.unhealthy_threshold': 'unhealthy_threshold' };

function settingsOf(s: Service): SettingsValues {
  const hc = s.health_check;
  return {
    name: s.name, listeners: s.listeners.map((l) => ({ protocol: l.protocol, ports: l.ports })), hash_mode: s.hash_mode, encapsulation: s.encapsulation,
    gue_port: s.gue_port ?? '', hc_protocol: hc.protocol, hc_port: hc.port ?? '', hc_path: hc.path ?? '/', interval_seconds: hc.interval_seconds,
    timeout_seconds: hc.timeout_seconds, healthy_threshold: hc.healthy_threshold, unhealthy_threshold: hc.unhealthy_threshold,
  };
}

/** The service's settings, editable; a change reaches the edges like any other (deploy status follows). */
function SettingsCard({ service }: { service: Service }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const form = useForm<SettingsValues>({
    initialValues: settingsOf(service),
    validate: {
      name: (v) => (/^\S/.test(v) && v.length <= 100 ? null : 'Name the service, e.g. "web"'),
      listeners: { ports: (v) => portsError(v) },
      hc_path: (v, all) => (all.hc_protocol !== 'http' || /^\/[^\r\n]*$/.test(v) ? null : 'A path starting with /, on one line'),
    },
  });
  const submit = form.onSubmit(async (v) => {
    setError(null);
    setSaved(false);
    const body = {
      name: v.name.trim(), listeners: v.listeners.map((l) => ({ protocol: l.protocol, ports: l.ports.trim() })), hash_mode: v.hash_mode, encapsulation: v.encapsulation,
      ...(v.encapsulation === 'gue' && v.gue_port !== '' ? { gue_port: v.gue_port } : {}),
      health_check: {
        protocol: v.hc_protocol, ...(v.hc_port !== '' ? { port: v.hc_port } : {}), ...(v.hc_protocol === 'http' ? { path: v.hc_path } : {}),
        interval_seconds: v.interval_seconds, timeout_seconds: v.timeout_seconds, healthy_threshold: v.healthy_threshold, unhealthy_threshold: v.unhealthy_threshold,
      },
    };
    const { data, error: problem } = await api.PATCH('/v1/services/{id}', { params: { path: { id: service.id } }, body });
    if (problem || !data) {
      const errors: Record<string, string> = {};
      const rest: string[] = [];
      for (const e of problem?.errors ?? []) {
        const key = HC_FIELD[e.field] ?? e.field.replace(/\[(\d+)\]/g, '.$1');
        if (key in form.values || key.startsWith('listeners.')) errors[key] = e.message; else rest.push(`${e.field}: ${e.message}`);
      }
      form.setErrors(errors);
      if (!Object.keys(errors).length || rest.length) setError(problemMessage(problem, 'Could not save the settings'));
      return;
    }
    qc.setQueryData(keys.service(service.id), data);
    form.resetDirty(settingsOf(data));
    setSaved(true);
  });
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>Settings</Title>
      <Text size="sm" c="dimmed" mb="md">Saved changes reach every edge of the service's PoPs; the deploy status on the overview follows them.</Text>
      <form onSubmit={submit} noValidate>
        <Stack maw={720}>
          {error && <Alert color="red" role="alert">{error}</Alert>}
          {saved && <Alert color="teal" variant="light" role="status">Settings saved.</Alert>}
          <TextInput label="Service name" required {...form.getInputProps('name')} />
          <ListenerFields form={form} />
          <Select label="Load balancing" data={[{ value: 'five_tuple', label: '5-tuple: each connection chooses a backend' }, { value: 'client_ip', label: 'Client IP affinity: a client stays on one backend' }]} allowDeselect={false} {...form.getInputProps('hash_mode')} />
          <Group grow align="flex-start">
            <Select label="Encapsulation" data={encapsulations} allowDeselect={false} {...form.getInputProps('encapsulation')} />
            {form.values.encapsulation === 'gue' && <NumberInput label="GUE UDP port" description="1024-65535, on the backends" min={1024} max={65535} allowDecimal={false} {...form.getInputProps('gue_port')} />}
          </Group>
          <Text size="sm" fw={600} mt="sm">Health check</Text>
          <Group grow align="flex-start">
            <Select label="Probe" data={[{ value: 'tcp', label: 'TCP connect' }, { value: 'http', label: 'HTTP GET' }]} allowDeselect={false} {...form.getInputProps('hc_protocol')} />
            <NumberInput label="Port" description="Empty: the first TCP listener's" min={1} max={65535} allowDecimal={false} {...form.getInputProps('hc_port')} />
            {form.values.hc_protocol === 'http' && <TextInput label="Path" {...form.getInputProps('hc_path')} />}
          </Group>
          <Group grow align="flex-start">
            <NumberInput label="Every (s)" min={2} max={300} allowDecimal={false} {...form.getInputProps('interval_seconds')} />
            <NumberInput label="Timeout (s)" min={1} max={60} allowDecimal={false} {...form.getInputProps('timeout_seconds')} />
            <NumberInput label="Healthy after" min={1} max={10} allowDecimal={false} {...form.getInputProps('healthy_threshold')} />
            <NumberInput label="Unhealthy after" min={1} max={10} allowDecimal={false} {...form.getInputProps('unhealthy_threshold')} />
          </Group>
          <Group><Button type="submit" loading={form.submitting} disabled={!form.isDirty()}>Save settings</Button>{form.isDirty() && <Button variant="default" onClick={() => form.setValues(settingsOf(service))}>Discard changes</Button>}</Group>
        </Stack>
      </form>
    </Card>
  );
}

/** A weight change is sent when the slider is released (one PATCH, not one per pixel). */
function WeightControl({ serviceId, backend }: { serviceId: string; backend: Backend }) {
  const qc = useQueryClient();
  const [value, setValue] = useState(backend.weight);
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack gap={2} w={170}>
      <Slider value={value} onChange={setValue} min={0} max={100} step={5} label={(v) => `${v}`} thumbLabel={`Weight of ${backend.address}`}
        onChangeEnd={async (weight) => {
          setError(null);
          const { error: problem } = await api.PATCH('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: serviceId, backend_id: backend.id } }, body: { weight } });
          if (problem) { setError(problemMessage(problem)); setValue(backend.weight); }
          await qc.invalidateQueries({ queryKey: keys.backends(serviceId) });
        }} />
      <Text size="xs" c={error ? 'red.8' : 'dimmed'}>{error ?? (value === 0 ? 'weight 0: draining (no new flows)' : `weight ${value}`)}</Text>
    </Stack>
  );
}

function AddBackendForm({ service }: { service: Service }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const family = { srv6: 'IPv6', ipip: 'IPv4', ip6ip6: 'IPv6', gue: 'IPv4 or IPv6' }[service.encapsulation];
  const form = useForm({
    initialValues: { address: '', weight: 100 as number | string },
    validate: {
      address: (v) => (v.trim() ? null : `Enter the backend's ${family} address`),
      weight: (v) => (typeof v === 'number' && v >= 0 && v <= 100 ? null : 'A weight from 0 to 100'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/services/{id}/backends', { params: { path: { id: service.id }, ...idempotency() }, body: { address: values.address.trim(), weight: Number(values.weight) } });
    if (problem || !data) {
      const { fields, rest } = problemFieldErrors(problem, ['address', 'weight']);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem));
      return;
    }
    form.reset();
    await qc.invalidateQueries({ queryKey: ['services', service.id] });
  });
  return (
    <form onSubmit={submit} noValidate aria-label="Add a backend">
      <Group align="flex-start" gap="sm">
        <TextInput label="Backend address" placeholder={service.encapsulation === 'ipip' ? '203.0.113.10' : '2001:db8:1::10'} description={`${family}, global unicast`} w={300} {...form.getInputProps('address')} />
        <NumberInput label="Weight" description="0–100" min={0} max={100} w={110} {...form.getInputProps('weight')} />
        <Button type="submit" mt={44} loading={form.submitting}>Add backend</Button>
      </Group>
      {error && <Alert color="red" mt="sm" role="alert">{error}</Alert>}
    </form>
  );
}

export function BackendsCard({ service }: { service: Service }) {
  const qc = useQueryClient();
  const backends = useBackends(service.id);
  const health = useHealth(service.id);
  const healthOf = useMemo(() => new Map((health.data?.backends ?? []).map((b) => [b.backend_id, b])), [health.data]);
  // One kit command on screen at a time (it is long and carries a token): the backend the tenant opened.
  const [kitOpen, setKitOpen] = useState<string | null>(null);
  const patch = async (b: Backend, body: Schemas['UpdateBackendDto']) => {
    await ok(api.PATCH('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: service.id, backend_id: b.id } }, body }));
    await qc.invalidateQueries({ queryKey: keys.backends(service.id) });
  };
  const remove = async (b: Backend) => {
    await ok(api.DELETE('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: service.id, backend_id: b.id } } }));
    await qc.invalidateQueries({ queryKey: ['services', service.id] });
  };
  return (
    <Card>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">Backends</Title>
        {health.data && <Group gap={6}><Text size="sm" c="dimmed">Health</Text><StatusBadge status={health.data.status} /></Group>}
      </Group>
      <Stack>
        {backends.isPending && <LoadingRows rows={2} />}
        {backends.isError && <ErrorState error={backends.error} onRetry={() => void backends.refetch()} />}
        {backends.data && backends.data.length === 0 && <Text size="sm" c="dimmed">No backends yet: add the servers that answer this service&apos;s clients.</Text>}
        {backends.data?.some((b) => b.verification !== 'verified') && (
          <Alert color="blue" title="Backends get traffic once verified" data-verification-help>{VERIFICATION_WHY}</Alert>
        )}
        {backends.data && backends.data.length > 0 && (
          <Table.ScrollContainer minWidth={820}>
            <Table verticalSpacing="sm">
              <Table.Thead><Table.Tr><Table.Th>Address</Table.Th><Table.Th>Weight</Table.Th><Table.Th>In rotation</Table.Th><Table.Th>Verification</Table.Th><Table.Th>Health per PoP</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {backends.data.map((b) => {
                  const h = healthOf.get(b.id);
                  const verified = b.verification === 'verified';
                  return (
                    <Fragment key={b.id}>
                    <Table.Tr data-backend={b.address} data-verification={b.verification}>
                      <Table.Td><Text ff="monospace" size="sm">{b.address}</Text><Text size="xs" c="dimmed">IPv{b.family}{b.region ? ` · ${b.region}` : ''}</Text></Table.Td>
                      <Table.Td><WeightControl serviceId={service.id} backend={b} /></Table.Td>
                      <Table.Td><Switch checked={b.enabled} onChange={(e) => void patch(b, { enabled: e.currentTarget.checked })} aria-label={`${b.address} in rotation`} label={b.enabled ? 'yes' : 'no'} /></Table.Td>
                      <Table.Td>
                        <Tooltip label={b.verification_reason ?? 'the backend kit proved this backend is yours'} multiline w={320}>
                          <Stack gap={2} align="flex-start">
                            <StatusBadge status={b.verification} />
                            {b.verification_checked_at && <Text size="xs" c="dimmed">checked {formatAgo(b.verification_checked_at)}</Text>}
                          </Stack>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        {!verified && <Text size="xs" c="dimmed">checks start once verified</Text>}
                        {verified && <Group gap={6}>
                          {!h && <Text size="xs" c="dimmed">…</Text>}
                          {h && h.pops.length === 0 && <Text size="xs" c="dimmed">no checks yet</Text>}
                          {h?.pops.map((p) => (
                            <Tooltip key={p.pop_id} multiline maw={360} label={`${p.healthy_nodes} healthy, ${p.unhealthy_nodes} unhealthy edge nodes${p.reason ? `: ${p.reason}` : ''}`}>
                              <Group gap={4} data-health-pop={p.pop_code}><Text size="xs" fw={600}>{p.pop_code.toUpperCase()}</Text><StatusBadge status={p.status} size="xs" /></Group>
                            </Tooltip>
                          ))}
                        </Group>}
                      </Table.Td>
                      <Table.Td ta="right">
                        <ConfirmButton title={`Delete backend ${b.address}?`} confirmLabel="Delete backend" aria-label={`Delete ${b.address}`} onConfirm={() => remove(b)}
                          message="Edges stop sending it new and existing flows once they apply the change. To let flows finish first, set its weight to 0 and wait.">Delete</ConfirmButton>
                      </Table.Td>
                    </Table.Tr>
                    {!verified && (
                      <Table.Tr data-kit-for={b.address}>
                        <Table.Td colSpan={6} bg="gray.0">
                          <Stack gap={6}>
                            <Text size="sm" fw={600} c={b.verification === 'failed' ? 'red.8' : undefined}>
                              {b.verification === 'failed' ? `Verification failed: ${b.verification_reason ?? 'the backend answered without this backend\'s proof'}.` : `Waiting for verification${b.verification_reason ? `: ${b.verification_reason}` : ''}.`} No client traffic goes to {b.address} until it is verified.
                            </Text>
                            <Group gap="xs">
                              <Button variant="subtle" size="compact-sm" aria-expanded={kitOpen === b.id} aria-controls={`kit-${b.id}`}
                                onClick={() => setKitOpen(kitOpen === b.id ? null : b.id)}>
                                {kitOpen === b.id ? 'Hide the kit command' : 'Show the kit command'}
                              </Button>
                              <Text size="xs" c="dimmed">to run on {b.address}, with its verification token</Text>
                            </Group>
                            <div id={`kit-${b.id}`}>{kitOpen === b.id && <CopyField value={backendKitCommand(service, b.address, b.verification_token)} label={`backend kit command for ${b.address}`} block />}</div>
                          </Stack>
                        </Table.Td>
                      </Table.Tr>
                    )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <AddBackendForm service={service} />
      </Stack>
    </Card>
  );
}

export function TrafficCard({ id }: { id: string }) {
  const [step, setStep] = useState<TrafficStep>('5m');
  const [unit, setUnit] = useState<'bytes' | 'packets'>('bytes');
  const [by, setBy] = useState<TrafficSplit>('pop');
  const t = useTraffic(id, step, step === '5m' ? 6 : 48, true, by);
  const { rows, series } = useMemo(() => {
    const byT = new Map<string, Record<string, string | number>>();
    // Chart keys must be plain identifiers; labels carry the PoP code or the backend's address.
    const series = (t.data?.series ?? []).map((s, i) => ({
      name: `s${i}`,
      label: by === 'pop' ? (s.pop_code ?? 'other').toUpperCase() : (s.backend_address ?? 'deleted backend'),
      color: seriesColour(i),
    }));
    (t.data?.series ?? []).forEach((s, i) => {
      for (const p of s.points) {
        const row = byT.get(p.t) ?? { t: new Date(p.t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) };
        row[`s${i}`] = unit === 'bytes' ? p.bytes : p.packets;
        byT.set(p.t, row);
      }
    });
    const rows = [...byT.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => { for (const s of series) r[s.name] ??= 0; return r; });
    return { rows, series };
  }, [t.data, unit, by]);
  return (
    <Card>
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Group gap="sm">
          <Title order={2} size="h4">Traffic per {by === 'pop' ? 'PoP' : 'backend'}</Title>
          {t.data && <Text size="sm" c="dimmed" data-traffic-total>{formatBytes(t.data.total.bytes)} · {formatCount(t.data.total.packets)} packets</Text>}
        </Group>
        <Group gap="sm">
          <SegmentedControl size="xs" value={by} onChange={(v) => setBy(v)} data={[{ value: 'pop', label: 'Per PoP' }, { value: 'backend', label: 'Per backend' }]} aria-label="Split" />
          <SegmentedControl size="xs" value={unit} onChange={(v) => setUnit(v)} data={[{ value: 'bytes', label: 'Bytes' }, { value: 'packets', label: 'Packets' }]} aria-label="Unit" />
          <SegmentedControl size="xs" value={step} onChange={(v) => setStep(v)} data={[{ value: '5m', label: '5 min · 6 h' }, { value: '1h', label: 'Hourly · 48 h' }]} aria-label="Resolution" />
        </Group>
      </Group>
      {t.isPending && <LoadingRows rows={1} height={240} />}
      {t.isError && <ErrorState error={t.error} onRetry={() => void t.refetch()} />}
      {t.data && rows.length === 0 && <Text size="sm" c="dimmed" py="xl" ta="center">No traffic in this period yet. Edges report every few seconds once clients connect.</Text>}
      {t.data && rows.length > 0 && <TrafficChart rows={rows} series={series} unit={unit} />}
      {by === 'backend' && <Text size="xs" c="dimmed" mt="xs">Per backend: what the edges tunnelled to each backend (kept for the raw retention; hourly history is per PoP).</Text>}
    </Card>
  );
}

function MapCard({ id }: { id: string }) {
  const d = useDeployment(id);
  const t = useTraffic(id, '1h', 24, false);
  const total = t.data?.total.bytes ?? 0;
  const pops = (d.data?.pops ?? []).map((p) => {
    const bytes = (t.data?.series ?? []).find((s) => s.pop_code === p.pop_code)?.points.reduce((a, x) => a + x.bytes, 0) ?? 0;
    return { code: p.pop_code, status: p.status, share: total > 0 ? bytes / total : undefined };
  });
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">Where it is served</Title>
      <PopMap pops={pops} />
    </Card>
  );
}

export function ServiceDetailView({ id }: { id: string }) {
  const router = useRouter();
  const qc = useQueryClient();
  const service = useService(id);
  const deployment = useDeployment(id);
  const backends = useBackends(id);
  if (service.isPending) return <LoadingRows rows={6} height={60} />;
  if (service.isError) {
    return <ErrorState title="Could not load this service" error={service.error} onRetry={() => void service.refetch()} />;
  }
  const s = service.data;
  const popCodes = (deployment.data?.pops ?? []).map((p) => p.pop_code);
  const first = s.addresses[0]?.address;
  const port = s.listeners[0]?.ports.split('-')[0] ?? '80';
  const curl = first ? `curl -v http://${first.includes(':') ? `[${first}]` : first}:${port}/` : null;
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Anchor component={Link} href="/services" size="sm">← Services</Anchor>
          <Group gap="sm"><Title order={1} size="h2">{s.name}</Title><StatusBadge status={s.status} size="md" />{deployment.data && <StatusBadge status={deployment.data.status} size="md" />}</Group>
          <Text size="sm" c="dimmed">{s.listeners.map((l) => `${l.protocol}/${l.ports}`).join(', ')} · {s.encapsulation} · created {formatAgo(s.created_at)}</Text>
        </Stack>
        <ConfirmButton title={`Delete ${s.name}?`} confirmLabel="Delete service" buttonProps={{ size: 'sm' }} onConfirm={async () => {
          await ok(api.DELETE('/v1/services/{id}', { params: { path: { id } } }));
          await qc.invalidateQueries({ queryKey: keys.services });
          router.push('/services');
        }} message="Its anycast addresses are withdrawn from every PoP and released (they are quarantined before anyone else gets them). Clients of this service lose it.">Delete service</ConfirmButton>
      </Group>
      {s.status_reason && s.status !== 'active' && <Alert color="yellow" variant="light">{s.status_reason}</Alert>}
      {curl && deployment.data?.status === 'deployed' && (
        <Card bg="teal.0" style={{ borderColor: 'var(--mantine-color-teal-3)' }}>
          <Group justify="space-between" wrap="wrap">
            <Text size="sm" fw={600}>Deployed at every PoP. Try it:</Text>
            <div style={{ flex: 1, minWidth: 320 }}><CopyField value={curl} label="curl command" /></div>
          </Group>
        </Card>
      )}
      <Tabs defaultValue="overview" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="backends">Backends {backends.data && <Badge size="xs" variant="light" color="gray" c="gray.9" ml={4}>{backends.data.length}</Badge>}</Tabs.Tab>
          <Tabs.Tab value="traffic">Traffic</Tabs.Tab>
          <Tabs.Tab value="setup">Backend setup</Tabs.Tab>
          <Tabs.Tab value="settings">Settings</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Grid gap="lg">
            <Grid.Col span={{ base: 12, lg: 6 }}><Stack gap="lg"><AddressesCard service={s} popCodes={popCodes} /><DeploymentCard id={id} /></Stack></Grid.Col>
            <Grid.Col span={{ base: 12, lg: 6 }}><MapCard id={id} /></Grid.Col>
          </Grid>
        </Tabs.Panel>
        <Tabs.Panel value="backends"><BackendsCard service={s} /></Tabs.Panel>
        <Tabs.Panel value="traffic"><TrafficCard id={id} /></Tabs.Panel>
        <Tabs.Panel value="setup"><Card><BackendKitInstructions service={s} backends={backends.data ?? []} /></Card></Tabs.Panel>
        <Tabs.Panel value="settings"><SimpleGrid cols={1}><SettingsCard service={s} /></SimpleGrid></Tabs.Panel>
      </Tabs>
      {backends.data?.length === 0 && <EmptyState title="This service has no backends">Add one on the Backends tab; clients are carried to it through the tunnel.</EmptyState>}
    </Stack>
  );
}
