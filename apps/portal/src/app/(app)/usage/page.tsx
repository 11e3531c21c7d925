import type { Metadata } from 'next';
import { UsageView } from '../../../views/usage-view';

export const metadata: Metadata = { title: 'Usage' };

export default function UsagePage() {
  return <UsageView />;
}
