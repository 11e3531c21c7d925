'use client';
import { Alert, Badge, Button, Card, Select, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ConfirmButton, EmptyState, FormModal, ErrorState, LoadingRows, formatAgo, problemFieldErrors, problemMessage, PasswordField, PageHeader } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, idempotency, ok } from '../lib/api';
import { keys, useMe, useMembers } from '../lib/queries';

function InviteModal({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: (email: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', password: '', role: 'member' as 'owner' | 'member' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter their email address'),
      password: (v) => (v.length >= 10 && v.length <= 200 ? null : 'Use 10 to 200 characters'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/members', { body: values, params: idempotency() });
    if (problem || !data) {
      const { fields } = problemFieldErrors(problem, ['email', 'password', 'role']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem));
      return;
    }
    form.reset();
    onDone(data.email);
  });
  return (
    <FormModal title="Add a member" opened={opened} onClose={onClose} onSubmit={submit} submitLabel="Add member" submitting={form.submitting} error={error}>
      <Text size="sm" c="dimmed">This creates their account in your organization. Give them the initial password over a channel you trust.</Text>
      <TextInput label="Email" type="email" required data-autofocus {...form.getInputProps('email')} />
      <PasswordField label="Initial password" description="At least 10 characters" required {...form.getInputProps('password')} />
      <Select label="Role" data={[{ value: 'member', label: 'Member: services, backends, traffic' }, { value: 'owner', label: 'Owner: also members and API keys' }]} allowDeselect={false} {...form.getInputProps('role')} />
    </FormModal>
  );
}

export function MembersView() {
  const qc = useQueryClient();
  const me = useMe();
  const list = useMembers();
  const [inviting, setInviting] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const owner = me.data?.role === 'owner';
  const remove = async (id: string) => {
    await ok(api.DELETE('/v1/members/{id}', { params: { path: { id } } }));
    await qc.invalidateQueries({ queryKey: keys.members });
  };
  return (
    <>
      <PageHeader title="Members" description="People who can sign in to this organization." actions={owner && <Button onClick={() => setInviting(true)}>Add member</Button>} />
      {added && <Alert color="teal" variant="light" mb="lg" withCloseButton onClose={() => setAdded(null)} closeButtonLabel="Dismiss">{added} can now sign in.</Alert>}
      <InviteModal opened={inviting} onClose={() => setInviting(false)} onDone={(email) => { setInviting(false); setAdded(email); void qc.invalidateQueries({ queryKey: keys.members }); }} />
      {list.isPending && <Card><LoadingRows /></Card>}
      {list.isError && <ErrorState error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && list.data.length === 0 && <Card><EmptyState title="No members">Add the people you work with.</EmptyState></Card>}
      {list.data && list.data.length > 0 && (
        <Card p={0}>
          <Table verticalSpacing="md" horizontalSpacing="lg">
            <Table.Thead><Table.Tr><Table.Th>Email</Table.Th><Table.Th>Role</Table.Th><Table.Th>Member since</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {list.data.map((m) => (
                <Table.Tr key={m.id} data-member={m.email}>
                  <Table.Td fw={600}>{m.email}{m.email === me.data?.user?.email && <Text span c="dimmed" fw={400}> (you)</Text>}</Table.Td>
                  <Table.Td><Badge variant="light" color={m.role === 'owner' ? 'brand' : 'gray'} c={m.role === 'owner' ? 'brand.9' : 'gray.9'}>{m.role}</Badge></Table.Td>
                  <Table.Td><Text size="sm">{formatAgo(m.created_at)}</Text></Table.Td>
                  <Table.Td ta="right">
                    {owner && m.email !== me.data?.user?.email && (
                      <ConfirmButton title={`Remove ${m.email}?`} confirmLabel="Remove member" aria-label={`Remove ${m.email}`} onConfirm={() => remove(m.id)}
                        message="They lose access to this organization at once; their sessions end.">Remove</ConfirmButton>
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
