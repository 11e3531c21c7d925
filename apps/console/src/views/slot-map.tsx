'use client';
import { Box, Group, Text, UnstyledButton } from '@mantine/core';
import { memo, useEffect } from 'react';
import type { Schemas } from '../lib/api';

type Slot = Schemas['SlotDto'];

export const SLOT_COLOURS: Record<Slot['state'], { bg: string; label: string }> = {
  free: { bg: '#e9ecef', label: 'Free' },
  assigned: { bg: '#1c6fd6', label: 'Assigned' },
  quarantined: { bg: '#f0a202', label: 'Quarantined' },
  unusable: { bg: '#495057', label: 'Never used (.0/.255)' },
};

export const slotDescription = (s: Slot): string => {
  if (s.state === 'assigned' && s.holder) return `${s.address}: ${s.holder.organization_name} / ${s.holder.service_name}, since ${new Date(s.holder.since).toLocaleString()}`;
  if (s.state === 'quarantined') return `${s.address}: quarantined until ${s.quarantined_until ? new Date(s.quarantined_until).toLocaleString() : '?'}${s.holder ? `, last held by ${s.holder.organization_name}` : ''}`;
  if (s.state === 'unusable') return `${s.address}: never handed out`;
  return `${s.address}: free`;
};

/**
 * One /24 as a 16×16 grid, a cell per address coloured by state; every cell is a button (keyboard and
 * screen reader: its label says the address, state and holder). The time from data to pixels is
 * recorded as the `slot-map-render` performance measure (the browser test reads it).
 */
export const SlotGrid = memo(function SlotGrid({ prefix, slots, selected, onSelect }: { prefix: string; slots: Slot[]; selected: string | null; onSelect: (s: Slot) => void }) {
  const started = typeof performance !== 'undefined' ? performance.now() : 0;
  useEffect(() => {
    performance.measure('slot-map-render', { start: started, end: performance.now() });
  }, [slots, started]);
  return (
    <Box>
      <Text ff="monospace" fw={600} mb={6}>{prefix}</Text>
      <Box role="group" aria-label={`Slots of ${prefix}`} data-slot-grid={prefix} style={{ display: 'grid', gridTemplateColumns: 'repeat(16, 26px)', gap: 3 }}>
        {slots.map((s) => (
          <UnstyledButton
            key={s.offset}
            aria-label={slotDescription(s)}
            title={slotDescription(s)}
            data-address={s.address}
            data-state={s.state}
            onClick={() => onSelect(s)}
            style={{ width: 26, height: 26, borderRadius: 4, background: SLOT_COLOURS[s.state].bg, outline: selected === s.address ? '3px solid #0b2a5b' : undefined, outlineOffset: 1 }}
          />
        ))}
      </Box>
    </Box>
  );
});

export function SlotLegend() {
  return (
    <Group gap="md">
      {Object.entries(SLOT_COLOURS).map(([state, c]) => (
        <Group key={state} gap={6}><Box w={14} h={14} style={{ borderRadius: 3, background: c.bg }} /><Text size="sm">{c.label}</Text></Group>
      ))}
    </Group>
  );
}
