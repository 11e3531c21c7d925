'use client';
import { listAll } from '@anyfront/api-client';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from './api';

/** How often the fleet views refresh: operators watch lag and announcements move. */
export const FLEET_MS = 2000;

export const useMe = () => useQuery({ queryKey: ['me'], queryFn: () => ok(api.GET('/v1/me')), staleTime: 60_000 });
export const useOverview = () => useQuery({ queryKey: ['overview'], queryFn: () => ok(api.GET('/v1/admin/overview')), refetchInterval: 5_000 });
export const useFleetNodes = () => useQuery({
  queryKey: ['fleet-nodes'],
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/admin/fleet/edge-nodes', { params: { query: { limit: 200, cursor } } }))),
  refetchInterval: FLEET_MS,
});
export const usePools = () => useQuery({
  queryKey: ['pools'],
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/admin/pools', { params: { query: { limit: 200, cursor } } }))),
  refetchInterval: 10_000,
});
export const usePops = () => useQuery({ queryKey: ['pops'], queryFn: () => listAll((cursor) => ok(api.GET('/v1/admin/pops', { params: { query: { limit: 200, cursor } } }))) });
export const useSlotMap = (poolId: string) => useQuery({
  queryKey: ['pools', poolId, 'slots'],
  queryFn: () => ok(api.GET('/v1/admin/pools/{id}/slots', { params: { path: { id: poolId } } })),
  refetchInterval: 3_000,
});
export const useLookup = (address: string | null) => useQuery({
  queryKey: ['lookup', address],
  queryFn: () => ok(api.GET('/v1/admin/address-lookup', { params: { query: { address: address ?? '' } } })),
  enabled: Boolean(address),
  retry: false,
});
export const useOrganizations = (search: string) => useQuery({
  queryKey: ['organizations', search],
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/admin/organizations', { params: { query: { limit: 200, cursor, search: search || undefined } } }))),
});
export const useAuditLog = (filters: { organization_id?: string; action?: string; actor_user_id?: string; since?: string }) => useQuery({
  queryKey: ['audit-log', filters],
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/admin/audit-log', { params: { query: { limit: 200, cursor, ...filters } } }))),
});
export const useRelocations = () => useQuery({
  queryKey: ['relocations'],
  queryFn: () => listAll((cursor) => ok(api.GET('/v1/admin/relocations', { params: { query: { limit: 200, cursor } } }))),
  refetchInterval: 5_000,
});
export const useRelocation = (id: string) => useQuery({
  queryKey: ['relocations', id],
  queryFn: () => ok(api.GET('/v1/admin/relocations/{id}', { params: { path: { id } } })),
  refetchInterval: 5_000,
});
export const usePriceBook = () => useQuery({ queryKey: ['price-book'], queryFn: () => ok(api.GET('/v1/admin/price-book')) });
export const usePool = (id: string) => useQuery({ queryKey: ['pools', id], queryFn: () => ok(api.GET('/v1/admin/pools/{id}', { params: { path: { id } } })) });
export const usePoolUtilization = (id: string, days: number) => useQuery({
  queryKey: ['pools', id, 'utilization', days],
  queryFn: () => ok(api.GET('/v1/admin/pools/{id}/utilization', { params: { path: { id }, query: { days } } })),
  refetchInterval: 60_000,
});
