import type { Metadata } from 'next';
import { Suspense } from 'react';
import { AuditLogView } from '../../../views/audit-log-view';

export const metadata: Metadata = { title: 'Audit log' };

export default function Page() {
  return <Suspense><AuditLogView /></Suspense>;
}
