'use client';
import { Group, Stack, Text, Tooltip } from '@mantine/core';
import { geoEqualEarth, geoPath } from 'd3-geo';
import type { FeatureCollection, Geometry } from 'geojson';
import { useEffect, useMemo, useState } from 'react';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { popLocation } from './pop-locations';

export interface MapPop { code: string; status: string; share?: number }

const WIDTH = 800;
const HEIGHT = 390;
const stateColour: Record<string, string> = { deployed: '#12b886', deploying: '#228be6', failed: '#fa5252' };

/**
 * A world map (Natural Earth land from world-atlas, projected with d3-geo) with one dot per PoP:
 * colour = its state, size = its share of the service's traffic.
 */
export function PopMap({ pops }: { pops: MapPop[] }) {
  const [land, setLand] = useState<FeatureCollection<Geometry> | null>(null);
  useEffect(() => {
    let live = true;
    // The land shapes (~50 kB) load in their own chunk, only on pages that show a map.
    void import('world-atlas/land-110m.json').then((m) => {
      const topo = (m.default ?? m) as unknown as Topology;
      const land = topo.objects.land;
      if (live && land) setLand(feature(topo, land) as unknown as FeatureCollection<Geometry>);
    });
    return () => { live = false; };
  }, []);
  const projection = useMemo(() => geoEqualEarth().fitExtent([[8, 8], [WIDTH - 8, HEIGHT - 8]], { type: 'Sphere' }), []);
  const path = useMemo(() => geoPath(projection), [projection]);
  const placed = pops.flatMap((p) => {
    const loc = popLocation(p.code);
    const xy = loc ? projection([loc.lon, loc.lat]) : null;
    return loc && xy ? [{ ...p, city: loc.city, x: xy[0], y: xy[1] }] : [];
  });
  const unplaced = pops.filter((p) => !popLocation(p.code));
  const summary = pops.map((p) => `${p.code.toUpperCase()} ${p.status}${p.share !== undefined ? ` ${Math.round(p.share * 100)}% of traffic` : ''}`).join(', ');
  return (
    <Stack gap="xs">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`World map of points of presence: ${summary || 'none yet'}`} style={{ width: '100%', height: 'auto', background: 'var(--mantine-color-gray-0)', borderRadius: 8 }}>
        <path d={path({ type: 'Sphere' }) ?? undefined} fill="#f1f5fb" stroke="#dbe4f0" />
        {land && <path d={path(land) ?? undefined} fill="#d5dde8" stroke="#c3cedc" strokeWidth={0.5} />}
        {placed.map((p) => {
          const r = 7 + Math.round(14 * Math.sqrt(p.share ?? 0));
          const colour = stateColour[p.status] ?? '#868e96';
          return (
            <g key={p.code} data-pop={p.code}>
              <circle cx={p.x} cy={p.y} r={r + 6} fill={colour} opacity={0.18} />
              <circle cx={p.x} cy={p.y} r={r} fill={colour} stroke="#fff" strokeWidth={2} />
              <text x={p.x} y={p.y - r - 8} textAnchor="middle" fontSize={14} fontWeight={600} fill="#1f2937">{p.code.toUpperCase()}</text>
            </g>
          );
        })}
      </svg>
      <Group gap="lg">
        {pops.map((p) => (
          <Tooltip key={p.code} label={popLocation(p.code)?.city ?? 'location not on the map'}>
            <Group gap={6}>
              <span aria-hidden="true" style={{ width: 10, height: 10, borderRadius: 5, background: stateColour[p.status] ?? '#868e96', display: 'inline-block' }} />
              <Text size="sm" fw={600}>{p.code.toUpperCase()}</Text>
              <Text size="sm" c="dimmed">{p.status}{p.share !== undefined ? ` · ${Math.round(p.share * 100)}% of traffic` : ''}</Text>
            </Group>
          </Tooltip>
        ))}
        {unplaced.length > 0 && <Text size="xs" c="dimmed">Not on the map (unknown location): {unplaced.map((p) => p.code).join(', ')}</Text>}
      </Group>
    </Stack>
  );
}
