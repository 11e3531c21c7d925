import type { Metadata } from 'next';
import { PoolDetailView } from '../../../../views/pool-detail-view';

export const metadata: Metadata = { title: 'Pool' };

export default async function PoolPage({ params }: { params: Promise<{ id: string }> }) {
  return <PoolDetailView poolId={(await params).id} />;
}
