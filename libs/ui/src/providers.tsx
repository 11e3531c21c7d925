'use client';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { makeQueryClient } from './query';
import { anyfrontCssVariables, anyfrontTheme } from './theme';

/** Theme, notifications and the query client: the root of both web apps. */
export function WebProviders({ children }: { children: ReactNode }) {
  const [client] = useState(makeQueryClient);
  return (
    <MantineProvider theme={anyfrontTheme} cssVariablesResolver={anyfrontCssVariables} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}
