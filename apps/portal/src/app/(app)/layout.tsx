import type { ReactNode } from 'react';
import { AppFrame } from '../../views/app-frame';

export default function SignedInLayout({ children }: { children: ReactNode }) {
  return <AppFrame>{children}</AppFrame>;
}
