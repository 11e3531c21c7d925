'use client';
import { Alert, Button, Card, Group, Select, Stack, Stepper, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CopyField, LoadingRows, StatusBadge, problemFieldErrors, problemMessage, PageHeader } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { api, idempotency } from '../lib/api';
import { keys, useBackends, useDeployment, useHealth, useService } from '../lib/queries';
import { BackendKitInstructions } from './backend-kit';
import { encapsulations, ListenerFields, portsError, type Encap, type ListenerValue } from './service-fields';
import { BackendsCard, DeploymentCard } from './service-detail-view';

interface CreateValues { name: string; encapsulation: Encap; listeners: ListenerValue[] }

function CreateStep({ onCreated }: { onCreated: (id: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const form = useForm<CreateValues>({
    initialValues: { name: '', encapsulation: 'srv6', listeners: [{ protocol: 'tcp', ports: '443' }] },
    validate: {
      name: (v) => (/^\S/.test(v) && v.length <= 100 ? null : 'Name the service, e.g. "web"'),
      listeners: { ports: (v) => portsError(v) },
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/services', { body: { name: values.name.trim(), encapsulation: values.encapsulation, listeners: values.listeners.map((l) => ({ protocol: l.protocol, ports: l.ports.trim() })) }, params: idempotency() });
    if (problem || !data) {
      const { fields, rest } = problemFieldErrors(problem, ['name', 'encapsulation', 'listeners']);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem));
      return;
    }
    onCreated(data.id);
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={620}>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <TextInput label="Service name" placeholder="web" description="Unique in your organization" required {...form.getInputProps('name')} />
        <ListenerFields form={form} />
        <Select label="Encapsulation" description="How edges tunnel client packets to your backends; it decides their address family" data={encapsulations} allowDeselect={false} {...form.getInputProps('encapsulation')} />
        <Group><Button type="submit" loading={form.submitting}>Create service</Button></Group>
      </Stack>
    </form>
  );
}

function VerifyStep({ id }: { id: string }) {
  const health = useHealth(id);
  const backends = useBackends(id);
  const verificationOf = new Map((backends.data ?? []).map((b) => [b.id, b]));
  return (
    <Stack>
      <Text size="sm">Each edge first verifies every backend through the tunnel (the backend kit answers its challenge), then checks its health. Verified and healthy everywhere means the backend kit is in place; this page updates by itself.</Text>
      <Card>
        <Group justify="space-between" mb="xs"><Title order={3} size="h5">Backend health per PoP</Title>{health.data && <StatusBadge status={health.data.status} />}</Group>
        {!health.data && <LoadingRows rows={2} />}
        {health.data?.backends.map((b) => (
          <Group key={b.backend_id} justify="space-between" py={6} data-verify-backend={b.address}>
            <Group gap="xs"><Text ff="monospace" size="sm">{b.address}</Text>{verificationOf.get(b.backend_id) && <StatusBadge status={verificationOf.get(b.backend_id)!.verification} size="xs" />}</Group>
            <Group gap="xs">{b.pops.length === 0 ? <Text size="xs" c="dimmed">waiting for the first check…</Text> : b.pops.map((p) => <Group key={p.pop_id} gap={4}><Text size="xs" fw={600}>{p.pop_code.toUpperCase()}</Text><StatusBadge status={p.status} size="xs" /></Group>)}</Group>
          </Group>
        ))}
      </Card>
      <DeploymentCard id={id} />
    </Stack>
  );
}

export function OnboardingView() {
  const router = useRouter();
  const params = useSearchParams();
  const qc = useQueryClient();
  const id = params.get('service');
  const step = Math.min(4, Math.max(0, Number(params.get('step') ?? (id ? 1 : 0)) || 0));
  const go = (next: number, serviceId = id) => router.replace(`/services/new?service=${serviceId ?? ''}&step=${next}`);
  return (
    <>
      <PageHeader title="New service" description="From a name to clients reaching your backends on anycast addresses: five short steps." />
      <Card p="xl">
        <Stepper active={step} onStepClick={(s) => id && s > 0 && go(s)} allowNextStepsSelect={false} size="sm">
          <Stepper.Step label="Service" description="Name and ports">
            <CreateStep onCreated={(newId) => { void qc.invalidateQueries({ queryKey: keys.services }); go(1, newId); }} />
          </Stepper.Step>
          <Stepper.Step label="Backends" description="Your servers">{id && <BackendsStep id={id} onNext={() => go(2)} />}</Stepper.Step>
          <Stepper.Step label="Prepare" description="Backend kit">{id && <KitStep id={id} onNext={() => go(3)} />}</Stepper.Step>
          <Stepper.Step label="Verify" description="Health per PoP">{id && <><VerifyStep id={id} /><Group mt="md"><Button onClick={() => go(4)}>Continue</Button></Group></>}</Stepper.Step>
          <Stepper.Completed>{id && <DoneStep id={id} />}</Stepper.Completed>
        </Stepper>
      </Card>
    </>
  );
}

function BackendsStep({ id, onNext }: { id: string; onNext: () => void }) {
  const service = useService(id);
  const backends = useBackends(id);
  if (!service.data) return <LoadingRows rows={2} />;
  return (
    <Stack>
      <Text size="sm">Add the servers that answer this service&apos;s clients. Each gets a share of new connections by weight.</Text>
      <BackendsCard service={service.data} />
      <Group><Button onClick={onNext} disabled={!backends.data?.length}>Continue</Button></Group>
    </Stack>
  );
}

function KitStep({ id, onNext }: { id: string; onNext: () => void }) {
  const service = useService(id);
  const backends = useBackends(id);
  if (!service.data) return <LoadingRows rows={2} />;
  return (
    <Stack>
      <BackendKitInstructions service={service.data} backends={backends.data ?? []} />
      <Group><Button onClick={onNext}>I ran it: verify</Button></Group>
    </Stack>
  );
}

function DoneStep({ id }: { id: string }) {
  const service = useService(id);
  const deployment = useDeployment(id);
  const s = service.data;
  const first = s?.addresses[0]?.address;
  const port = s?.listeners[0]?.ports.split('-')[0] ?? '80';
  const deployed = deployment.data?.status === 'deployed';
  // The edges applied it but verified no backend: the tenant has something to do (run the kit), not just wait.
  const unverified = deployment.data?.status === 'waiting_for_verified_backend';
  return (
    <Stack align="flex-start">
      <Group gap="sm"><Title order={2} size="h3">{deployed ? 'Deployed' : unverified ? 'Waiting for a verified backend' : 'Deploying…'}</Title>{deployment.data && <StatusBadge status={deployment.data.status} size="md" />}</Group>
      <Text size="sm">{deployed
        ? `${s?.name ?? 'Your service'} is announced from every PoP. Clients anywhere reach it on:`
        : unverified
          ? 'The edges have the service, but no backend is verified yet, so no client traffic reaches one: run the backend kit with each backend\'s verification token (the Prepare step). This updates by itself.'
          : 'The edges are applying the service; this updates by itself.'}</Text>
      {first && <div style={{ width: '100%', maxWidth: 640 }}><CopyField value={`curl -v http://${first.includes(':') ? `[${first}]` : first}:${port}/`} label="curl command" /></div>}
      <Button component={Link} href={`/services/${id}`}>Open the service</Button>
    </Stack>
  );
}
