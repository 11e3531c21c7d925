import type { ReactNode } from 'react';
import { ConsoleFrame } from '../../views/console-frame';

export default function OperatorLayout({ children }: { children: ReactNode }) {
  return <ConsoleFrame>{children}</ConsoleFrame>;
}
