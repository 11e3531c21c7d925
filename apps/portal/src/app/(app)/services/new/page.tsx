import type { Metadata } from 'next';
import { Suspense } from 'react';
import { OnboardingView } from '../../../../views/onboarding-view';

export const metadata: Metadata = { title: 'New service' };

export default function NewServicePage() {
  return <Suspense><OnboardingView /></Suspense>;
}
