'use client';
import { Alert, Badge, Button, Card, Select, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ConfirmButton, CopyField, FormModal, EmptyState, ErrorState, LoadingRows, formatAgo, problemFieldErrors, problemMessage, PageHeader } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, idempotency, ok, type Schemas } from '../lib/api';
import { keys, useApiKeys, useMe } from '../lib/queries';

type Created = Schemas['CreatedApiKeyDto'];

function CreateKeyModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (k: Created) => void }) {
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: '', role: 'member' as 'owner' | 'member' },
    validate: { name: (v) => (v.trim().length >= 1 && v.length <= 100 ? null : 'Name the key after what uses it, e.g. "ci-deploy"') },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/api-keys', { body: values, params: idempotency() });
    if (problem || !data) {
      const { fields, rest } = problemFieldErrors(problem, ['name', 'role']);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem));
      return;
    }
    form.reset();
    onCreated(data);
  });
  return (
    <FormModal title="Create an API key" opened={opened} onClose={onClose} onSubmit={submit} submitLabel="Create key" submitting={form.submitting} error={error}>
      <TextInput label="Name" placeholder="ci-deploy" required data-autofocus {...form.getInputProps('name')} />
      <Select label="Role" description="Owners can also manage members and keys" data={[{ value: 'member', label: 'Member' }, { value: 'owner', label: 'Owner' }]} allowDeselect={false} {...form.getInputProps('role')} />
    </FormModal>
  );
}

export function ApiKeysView() {
  const qc = useQueryClient();
  const me = useMe();
  const list = useApiKeys();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const active = (list.data ?? []).filter((k) => !k.revoked_at);
  const revoke = async (id: string) => {
    await ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }));
    await qc.invalidateQueries({ queryKey: keys.apiKeys });
  };
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let scripts and CI call the Anyfront API as your organization. Send one as: Authorization: Bearer <key>."
        actions={<Button onClick={() => setCreating(true)}>Create API key</Button>}
      />
      {created && (
        <Alert color="teal" variant="light" title={`Key "${created.name}" created: copy it now`} mb="lg" withCloseButton onClose={() => setCreated(null)} closeButtonLabel="Hide the key">
          <Stack gap="xs">
            <Text size="sm">This is the only time the secret is shown. Store it in your secret manager; if you lose it, revoke it and create another.</Text>
            <CopyField value={created.secret ?? ''} label="API key" />
            <Text size="sm" mt="xs">Try it:</Text>
            <CopyField value={`curl -s ${origin}/v1/services -H "authorization: Bearer ${created.secret ?? ''}"`} label="curl command" block />
          </Stack>
        </Alert>
      )}
      <CreateKeyModal opened={creating} onClose={() => setCreating(false)} onCreated={(k) => { setCreating(false); setCreated(k); void qc.invalidateQueries({ queryKey: keys.apiKeys }); }} />
      {list.isPending && <Card><LoadingRows /></Card>}
      {list.isError && <ErrorState error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && active.length === 0 && (
        <Card><EmptyState title="No API keys yet" action={<Button onClick={() => setCreating(true)}>Create API key</Button>}>Create a key for each script or pipeline, so you can revoke one without touching the others.</EmptyState></Card>
      )}
      {active.length > 0 && (
        <Card p={0}>
          <Table verticalSpacing="md" horizontalSpacing="lg">
            <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Key</Table.Th><Table.Th>Role</Table.Th><Table.Th>Created</Table.Th><Table.Th>Last used</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {active.map((k) => (
                <Table.Tr key={k.id} data-key={k.name}>
                  <Table.Td fw={600}>{k.name}</Table.Td>
                  <Table.Td><Text ff="monospace" size="sm">{k.prefix}…</Text></Table.Td>
                  <Table.Td><Badge variant="light" color="gray" c="gray.9">{k.role}</Badge></Table.Td>
                  <Table.Td><Text size="sm">{formatAgo(k.created_at)}</Text></Table.Td>
                  <Table.Td><Text size="sm">{formatAgo(k.last_used_at as string | null)}</Text></Table.Td>
                  <Table.Td ta="right">
                    {me.data?.role === 'owner' && (
                      <ConfirmButton title={`Revoke "${k.name}"?`} confirmLabel="Revoke key" aria-label={`Revoke ${k.name}`} onConfirm={() => revoke(k.id)}
                        message="Anything using this key gets 401 from its next request. This cannot be undone.">Revoke</ConfirmButton>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </>
  );
}
