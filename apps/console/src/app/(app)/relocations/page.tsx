import type { Metadata } from 'next';
import { Suspense } from 'react';
import { RelocationsView } from '../../../views/relocations-view';

export const metadata: Metadata = { title: 'Relocations' };

export default function RelocationsPage() {
  return <Suspense><RelocationsView /></Suspense>;
}
