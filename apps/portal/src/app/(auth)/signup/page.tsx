import type { Metadata } from 'next';
import { SignupView } from '../../../views/signup-view';

export const metadata: Metadata = { title: 'Create your account' };

export default function SignupPage() {
  return <SignupView />;
}
