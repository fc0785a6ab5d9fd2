import { EVENT_TYPES, type EventType } from '../contract/book.js';
import type { EventPayload } from '../events/payloads.js';
import { clipText } from '../events/body-size.js';
import { consoleUrl, type MailLinks } from '../delivery/email-content.js';
import { fitRows } from './fit-rows.js';
import { renderMail, type MailBlock, type RenderedMail } from '../delivery/mail-layout.js';

/** Events a digest lists at most (it counts them all; the rest are in GET /v1/events), and the bytes their rows take. */
export const DIGEST_LISTED_EVENTS = 100;
export const DIGEST_EVENT_BYTES = 40 * 1024;
const LINE_CHARS = 200;

const NAMES: Record<EventType, string> = {
  VERIFICATION_COMPLETE: 'Documents verified or failed',
  BOOK_COMPLETE: 'Books complete',
  ANALYTICS_COMPLETED: 'Analytics ready',
};

export interface DigestInput {
  id: string;
  /** yyyy-mm-dd in `timeZone`. */
  day: string;
  timeZone: string;
  /** Events of each type in the digest's window. */
  counts: Partial<Record<EventType, number>>;
  /** The first of them, in the order they happened (at most DIGEST_LISTED_EVENTS are shown). */
  events: EventPayload[];
}

/**
 * A daily digest, text and HTML: how many events of each kind since the last digest, then each one's line (its
 * `notification_reason`, the same words a per-event mail has as its subject), the first ones only, then where the
 * rest are.
 */
export function renderDigest(digest: DigestInput, links: MailLinks = {}): RenderedMail {
  const total = Object.values(digest.counts).reduce((sum, count) => sum + (count ?? 0), 0);
  const rows = fitRows(
    digest.events.slice(0, DIGEST_LISTED_EVENTS).map((event) => {
      const time = event.occurred_at.replace('T', ' ').slice(0, 16);
      const what = clipText(event.notification_reason, LINE_CHARS);
      return { cells: [time, what], line: `${time}  ${what}` };
    }),
    DIGEST_EVENT_BYTES,
  );
  const failed = digest.counts.VERIFICATION_COMPLETE
    ? digest.events.filter((event) => event.result === 'FAILED').length
    : 0;
  const blocks: MailBlock[] = [
    {
      kind: 'paragraph',
      text:
        `${total} event${total === 1 ? '' : 's'} since the last digest` +
        (failed > 0 ? ` (of those listed, ${failed} failed verification).` : '.'),
    },
    {
      kind: 'facts',
      rows: EVENT_TYPES.filter((type) => digest.counts[type]).map((type) => [NAMES[type], String(digest.counts[type])]),
    },
    {
      kind: 'table',
      title: 'Events',
      columns: ['Time (UTC)', 'Event'],
      rows,
      more: total > rows.length ? `… and ${total - rows.length} more: GET /v1/events` : undefined,
    },
  ];
  const href = consoleUrl(links, '/books');
  if (href) blocks.push({ kind: 'link', text: 'Open the books in the console', href });
  return renderMail({
    subject: `bookbell daily digest for ${digest.day}: ${total} event${total === 1 ? '' : 's'}`,
    heading: `Your bookbell digest for ${digest.day}`,
    blocks,
    footer: `Digest ${digest.id} (${digest.timeZone}).`,
  });
}
