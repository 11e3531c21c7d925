import type { Metadata } from 'next';
import { ServiceDetailView } from '../../../../views/service-detail-view';

export const metadata: Metadata = { title: 'Service' };

export default async function ServicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ServiceDetailView id={id} />;
}
