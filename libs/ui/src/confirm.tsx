'use client';
import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useState, type ReactNode } from 'react';

/**
 * A destructive action behind a confirmation dialog: the button opens a modal that names what
 * happens; only "confirm" runs it.
 */
export function ConfirmButton({ children, title, message, confirmLabel, onConfirm, buttonProps, 'aria-label': ariaLabel }: {
  children: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | void;
  buttonProps?: ButtonProps;
  'aria-label'?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button color="red" variant="light" size="xs" {...buttonProps} onClick={() => setOpen(true)} aria-label={ariaLabel}>{children}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title} centered closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color="red" loading={busy} onClick={async () => {
              setBusy(true);
              try { await onConfirm(); setOpen(false); } finally { setBusy(false); }
            }}>{confirmLabel}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
