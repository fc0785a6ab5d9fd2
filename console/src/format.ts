import type { BookView, DeliveryStatus } from './api-types.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = new Intl.NumberFormat('en-US');

export const formatDateTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—');
export const formatTime = (iso: string | null | undefined) => (iso ? shortTime.format(new Date(iso)) : '—');
/** Money arrives as decimal strings ("1234.50"); shown with separators, no currency (statements carry none). */
export const formatMoney = (decimal: string) => amount.format(Number(decimal));
export const formatCount = (n: number) => count.format(n);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "2026-07" → "Jul 2026" */
export function formatMonth(month: string): string {
  const [year, number] = month.split('-');
  return `${MONTHS[Number(number) - 1] ?? number} ${year}`;
}

export type Tone = 'good' | 'bad' | 'waiting' | 'info' | 'neutral';

export const BOOK_STATUS: Record<BookView['status'], { label: string; tone: Tone }> = {
  CREATED: { label: 'Created', tone: 'neutral' },
  UPLOAD: { label: 'Accepting uploads', tone: 'info' },
  SEALED: { label: 'Sealed, verifying', tone: 'waiting' },
  COMPLETE: { label: 'Complete', tone: 'good' },
  ANALYTICS_COMPLETE: { label: 'Analytics complete', tone: 'good' },
};

export const DOCUMENT_STATUS: Record<BookView['documents'][number]['status'], { label: string; tone: Tone }> = {
  VERIFYING: { label: 'Pending', tone: 'waiting' },
  VERIFICATION_COMPLETE: { label: 'Verified', tone: 'good' },
  REJECTED: { label: 'Failed', tone: 'bad' },
};

export const DELIVERY_STATUS: Record<DeliveryStatus, { label: string; tone: Tone }> = {
  PENDING: { label: 'Pending', tone: 'waiting' },
  HELD: { label: 'Held (endpoint off)', tone: 'neutral' },
  DELIVERED: { label: 'Delivered', tone: 'good' },
  FAILED: { label: 'Failed', tone: 'bad' },
};
