'use client';
import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import type { FormEventHandler, ReactNode } from 'react';

/**
 * A dialog holding one form: the fields, a form-level error (a problem the API did not tie to a
 * field), Cancel and a submit button that spins while the request runs. Every "create …" dialog of
 * the portal and the console uses it, so they look and behave alike (named close button, no
 * browser-native validation: the API's problem+json field errors are shown instead).
 */
export function FormModal(props: {
  title: string;
  opened: boolean;
  onClose: () => void;
  onSubmit: FormEventHandler<HTMLFormElement>;
  submitLabel: string;
  submitting: boolean;
  error: string | null;
  children: ReactNode;
}) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={props.onSubmit} noValidate>
        <Stack>
          {props.error && <Alert color="red" role="alert">{props.error}</Alert>}
          {props.children}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>Cancel</Button>
            <Button type="submit" loading={props.submitting}>{props.submitLabel}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
