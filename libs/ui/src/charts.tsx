'use client';
import { AreaChart, Sparkline } from '@mantine/charts';
import { formatBytes, formatCount } from './format';

// Charts come from @mantine/charts (Recharts underneath): themed like the rest of the UI,
// accessible tooltips, no hand-drawn SVG.

/** A tiny trend line for tables (services list): traffic over the last hours. */
export function TrafficSparkline({ values, label }: { values: number[]; label: string }) {
  const data = values.length ? values : [0, 0];
  return (
    <div role="img" aria-label={label} style={{ width: 120 }}>
      <Sparkline w={120} h={32} data={data} curveType="monotone" color="brand.6" fillOpacity={0.35} strokeWidth={1.5} />
    </div>
  );
}

export interface TrafficChartSeries { name: string; label: string; color: string }

const palette = ['brand.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6', 'pink.6', 'lime.7', 'indigo.6'];
export const seriesColour = (i: number): string => palette[i % palette.length] ?? 'brand.6';

/**
 * Traffic over time, one stacked area per PoP or backend. `rows` are { t, <series name>: value }.
 */
export function TrafficChart({ rows, series, unit, height = 260 }: {
  rows: Record<string, string | number>[];
  series: TrafficChartSeries[];
  unit: 'bytes' | 'packets';
  height?: number;
}) {
  return (
    <AreaChart
      h={height}
      data={rows}
      dataKey="t"
      type="stacked"
      curveType="monotone"
      withLegend
      legendProps={{ verticalAlign: 'bottom', height: 40 }}
      series={series.map((s) => ({ name: s.name, label: s.label, color: s.color }))}
      valueFormatter={(v: number) => (unit === 'bytes' ? formatBytes(v) : `${formatCount(v)} pkts`)}
      withDots={false}
      gridAxis="y"
      tickLine="none"
      yAxisProps={{ width: 70 }}
    />
  );
}
