import type { EventPayload, TestEventPayload } from '../../contract/event-payload.js';
import { consoleUrl, type MailLinks } from '../../delivery/email-content.js';

/** What a format renders: a book event's stored payload, or the test event. */
export type RenderableEvent = EventPayload | TestEventPayload;

/** PUBLIC_URL (console links; none without it) and the endpoint, which the test event's link opens. */
export interface RenderLinks extends MailLinks {
  endpointId?: string | undefined;
}

/**
 * What a chat message says about an event, whatever the chat: a title, the event's sentence, a few labelled facts,
 * a line naming the event, and the console page to open (only under PUBLIC_URL). The Slack and Teams formats lay
 * this out in their own blocks; texts are raw here (each format escapes and clips to its own limits).
 */
export interface EventSummary {
  title: string;
  text: string;
  facts: Array<[label: string, value: string]>;
  context: string;
  link?: { label: string; url: string } | undefined;
}

const counts = (c: NonNullable<EventPayload['document_counts']>) =>
  `${c.total} (${c.verified} verified, ${c.rejected} failed, ${c.verifying} verifying)`;

export function summarize(event: RenderableEvent, links: RenderLinks = {}): EventSummary {
  const context = `${event.event_name} · ${event.event_id} · ${event.occurred_at}`;
  if (event.event_name === 'TEST') {
    const url = links.endpointId ? consoleUrl(links, `/endpoints/${encodeURIComponent(links.endpointId)}`) : undefined;
    return {
      title: 'bookbell test event',
      text: event.notification_reason,
      facts: [],
      context,
      link: url ? { label: 'Open the endpoint', url } : undefined,
    };
  }
  const facts: EventSummary['facts'] = [['Book', event.book_name]];
  let title: string;
  switch (event.event_name) {
    case 'VERIFICATION_COMPLETE':
      title = event.result === 'FAILED' ? 'A document failed verification' : 'A document was verified';
      facts.push(['Document', event.doc_name ?? event.doc_uuid ?? ''], ['Result', event.result ?? '']);
      if (event.reason) facts.push(['Reason', event.reason]);
      break;
    case 'BOOK_COMPLETE':
      title = 'A book is complete';
      break;
    case 'ANALYTICS_COMPLETED':
      title = 'Analytics are ready';
      if (event.analytics) {
        facts.push(
          ['Statements', String(event.analytics.statement_count)],
          ['Accounts', String(event.analytics.account_count)],
          ['Balance continuity breaks', String(event.analytics.continuity_break_count)],
          ['Gaps between statements', String(event.analytics.gap_count)],
        );
      }
      break;
  }
  if (event.document_counts) facts.push(['Documents', counts(event.document_counts)]);
  const url = consoleUrl(links, `/books/${encodeURIComponent(event.book_uuid)}`);
  return {
    title,
    text: event.notification_reason,
    facts,
    context,
    link: url ? { label: 'Open the book', url } : undefined,
  };
}
