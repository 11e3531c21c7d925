import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LookupView } from '../../../views/lookup-view';

export const metadata: Metadata = { title: 'Address lookup' };

export default function LookupPage() {
  return <Suspense><LookupView /></Suspense>;
}
