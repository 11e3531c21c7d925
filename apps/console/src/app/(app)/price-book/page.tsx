import type { Metadata } from 'next';
import { PriceBookView } from '../../../views/price-book-view';

export const metadata: Metadata = { title: 'Price book' };

export default function PriceBookPage() {
  return <PriceBookView />;
}
