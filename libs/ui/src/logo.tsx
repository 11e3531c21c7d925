'use client';
import { Group, Text } from '@mantine/core';

/** The Anyfront mark: one address, many points of presence. */
export function Logo({ inverted = false, product }: { inverted?: boolean; product?: string }) {
  const c = inverted ? '#fff' : 'var(--mantine-color-brand-7)';
  return (
    <Group gap={8} wrap="nowrap">
      <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
        <circle cx="16" cy="16" r="5" fill={c} />
        {[0, 72, 144, 216, 288].map((a) => {
          const x = 16 + 11 * Math.cos((a * Math.PI) / 180);
          const y = 16 + 11 * Math.sin((a * Math.PI) / 180);
          return <g key={a}><line x1="16" y1="16" x2={x} y2={y} stroke={c} strokeWidth="1.6" opacity="0.6" /><circle cx={x} cy={y} r="3" fill={c} /></g>;
        })}
      </svg>
      <Text fw={700} size="xl" c={inverted ? 'white' : 'brand.8'} style={{ letterSpacing: -0.3 }}>Anyfront</Text>
      {product && <Text fw={500} size="sm" c={inverted ? 'white' : 'dimmed'} mt={3}>{product}</Text>}
    </Group>
  );
}
