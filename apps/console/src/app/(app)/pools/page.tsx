import type { Metadata } from 'next';
import { PoolsView } from '../../../views/pools-view';

export const metadata: Metadata = { title: 'Pools' };

export default function PoolsPage() {
  return <PoolsView />;
}
