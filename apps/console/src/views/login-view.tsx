'use client';
import { AuthShell, SignInForm } from '@anyfront/ui';
import { api } from '../lib/api';

export function LoginView() {
  return (
    <AuthShell title="Operator sign-in" subtitle="The anycast pools, the edge fleet and the tenants. Operator accounts only." product="Console">
      <SignInForm login={(body) => api.POST('/v1/auth/login', { body })} home="/overview" emailHint="Enter your operator email address" />
    </AuthShell>
  );
}
