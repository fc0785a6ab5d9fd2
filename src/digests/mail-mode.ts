import { EVENT_TYPES, type EventType } from '../contract/book.js';
import type { MailMode, SubscribableEvent } from '../contract/endpoint-settings.js';

/** The event whose delivery a `book` endpoint's one mail per book rides on: the book's last, when all is known. */
export const BOOK_MAIL_EVENT: EventType = 'ANALYTICS_COMPLETED';

/**
 * Which of a book's events become deliveries to an endpoint. `each`: those it subscribes to. `book`: the book's last
 * event alone, if it subscribes to any book event — its delivery mails the summary of the whole book. `daily`: none,
 * the day's digest tells them.
 */
export function eventsToDeliver<E extends { type: EventType }>(
  endpoint: { events: SubscribableEvent[]; mail_mode: MailMode },
  events: E[],
): E[] {
  switch (endpoint.mail_mode) {
    case 'each':
      return events.filter((event) => endpoint.events.includes(event.type));
    case 'book':
      return endpoint.events.some((type) => (EVENT_TYPES as readonly string[]).includes(type))
        ? events.filter((event) => event.type === BOOK_MAIL_EVENT)
        : [];
    case 'daily':
      return [];
  }
}
