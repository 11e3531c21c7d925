import type { Metadata } from 'next';
import { ApiKeysView } from '../../../views/api-keys-view';

export const metadata: Metadata = { title: 'API keys' };

export default function ApiKeysPage() {
  return <ApiKeysView />;
}
