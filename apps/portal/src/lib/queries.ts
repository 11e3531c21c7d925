'use client';
import { listAll } from '@anyfront/api-client';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from './api';

export const keys = {
  me: ['me'] as const,
  services: ['services'] as const,
  service: (id: string) => ['services', id] as const,
  deployment: (id: string) => ['services', id, 'deployment'] as const,
  health: (id: string) => ['services', id, 'health'] as const,
  backends: (id: string) => ['services', id, 'backends'] as const,
  traffic: (id: string, step: string, by: string, hours: number) => ['services', id, 'traffic', step, by, hours] as const,
  apiKeys: ['api-keys'] as const,
  members: ['members'] as const,
  usage: ['usage'] as const,
  billing: ['billing'] as const,
  invoices: ['billing', 'invoices'] as const,
};

/** How often live pages poll: deploy status and health must show within ~1 s of the API knowing. */
export const LIVE_MS = 1000;

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: () => ok(api.GET('/v1/me')), staleTime: 60_000 });

export const useServices = (live = false) => useQuery({
  queryKey: keys.services,
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/services', { params: { query: { limit: 200, cursor } } }))),
  refetchInterval: live ? 5_000 : false,
});

export const useService = (id: string) => useQuery({ queryKey: keys.service(id), queryFn: () => ok(api.GET('/v1/services/{id}', { params: { path: { id } } })), refetchInterval: 5_000 });

export const useDeployment = (id: string) => useQuery({
  queryKey: keys.deployment(id),
  queryFn: () => ok(api.GET('/v1/services/{id}/deployment', { params: { path: { id } } })),
  refetchInterval: LIVE_MS,
  staleTime: 0,
});

export const useHealth = (id: string) => useQuery({
  queryKey: keys.health(id),
  queryFn: () => ok(api.GET('/v1/services/{id}/health', { params: { path: { id } } })),
  refetchInterval: LIVE_MS,
  staleTime: 0,
});

export const useBackends = (id: string) => useQuery({
  queryKey: keys.backends(id),
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/services/{id}/backends', { params: { path: { id }, query: { limit: 200, cursor } } }))),
  // Verification changes on the edges' side: poll briskly while a backend waits for it (it must never
  // read pending next to a deployment that says deployed), slowly otherwise.
  refetchInterval: (q) => (q.state.data?.some((b) => b.verification !== 'verified') ? 2_000 : 30_000),
});

export type TrafficStep = '5m' | '1h';
/** Series per PoP (traffic to the anycast addresses) or per backend (what the edges tunnelled to each). */
export type TrafficSplit = 'pop' | 'backend';

export const useTraffic = (id: string, step: TrafficStep, hours = 6, live = true, by: TrafficSplit = 'pop') => useQuery({
  queryKey: keys.traffic(id, step, by, hours),
  queryFn: () => {
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3600_000);
    return ok(api.GET('/v1/services/{id}/traffic', { params: { path: { id }, query: { step, by, from: from.toISOString(), to: to.toISOString() } } }));
  },
  refetchInterval: live ? 10_000 : false,
});

export const useApiKeys = () => useQuery({ queryKey: keys.apiKeys, queryFn: () => listAll((cursor) => ok(api.GET('/v1/api-keys', { params: { query: { limit: 200, cursor } } }))) });
export const useMembers = () => useQuery({ queryKey: keys.members, queryFn: () => listAll((cursor) => ok(api.GET('/v1/members', { params: { query: { limit: 200, cursor } } }))) });
export const useUsage = () => useQuery({ queryKey: keys.usage, queryFn: () => ok(api.GET('/v1/usage')) });
export const useBilling = () => useQuery({ queryKey: keys.billing, queryFn: () => ok(api.GET('/v1/billing')), refetchInterval: 60_000 });
export const useInvoices = () => useQuery({ queryKey: keys.invoices, queryFn: () => ok(api.GET('/v1/billing/invoices')) });
