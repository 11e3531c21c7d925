import type { Metadata } from 'next';
import { EdgeNodesView } from '../../../views/edge-nodes-view';

export const metadata: Metadata = { title: 'PoPs and edge nodes' };

export default function EdgeNodesPage() {
  return <EdgeNodesView />;
}
