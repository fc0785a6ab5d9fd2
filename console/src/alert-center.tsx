import { useRef, useState } from 'preact/hooks';
import type { FeedEvent } from './api-types.js';
import { Link, navigate } from './router.js';
import { useTenantEvents } from './tenant-events.js';
import { mayNotify, watchedBooks } from './watched-books.js';

export interface Alert {
  /** The event's id: the same event never alerts twice (a resumed stream may repeat one). */
  id: string;
  bookUuid: string;
  title: string;
  body: string;
  tone: 'good' | 'bad';
}

/** The alert a watched book's event raises: its completion, or a document that failed verification. */
export function alertFor(event: FeedEvent): Alert | undefined {
  const { payload } = event;
  const book = `“${payload.book_name}”`;
  if (event.event_name === 'BOOK_COMPLETE') {
    return {
      id: event.event_id,
      bookUuid: event.book_uuid,
      title: `${book} is complete`,
      body: payload.notification_reason,
      tone: 'good',
    };
  }
  if (event.event_name === 'VERIFICATION_COMPLETE' && payload.result === 'FAILED') {
    const doc = payload.doc_name ?? payload.doc_uuid ?? 'A document';
    return {
      id: event.event_id,
      bookUuid: event.book_uuid,
      title: `A document of ${book} failed verification`,
      body: payload.reason ? `${doc}: ${payload.reason}` : `${doc} failed verification.`,
      tone: 'bad',
    };
  }
  return undefined;
}

/** A desktop notification too, when allowed; `tag` makes the system show one per event, however often it comes. */
function notify(alert: Alert): void {
  if (!mayNotify()) return;
  let notification: Notification;
  try {
    notification = new Notification(alert.title, { body: alert.body, tag: alert.id });
  } catch {
    return; // A browser that only notifies from a service worker (Chrome on Android): the toast is there.
  }
  notification.onclick = () => {
    window.focus();
    navigate(`/books/${alert.bookUuid}`);
    notification.close();
  };
}

/**
 * While the console is open, a watched book's completion or failed verification shows here (a toast, read out by
 * screen readers) and as a desktop notification, from the tenant's event stream: no reload, no polling.
 */
export function AlertCenter() {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const raised = useRef(new Set<string>());
  useTenantEvents((event) => {
    if (!watchedBooks.has(event.book_uuid) || raised.current.has(event.event_id)) return;
    const alert = alertFor(event);
    if (!alert) return;
    raised.current.add(alert.id);
    setAlerts((shown) => [...shown, alert]);
    notify(alert);
  });
  const dismiss = (id: string) => setAlerts((shown) => shown.filter((alert) => alert.id !== id));

  return (
    <div class="toasts" role="status" aria-label="Alerts">
      {alerts.map((alert) => (
        <article key={alert.id} class={`toast toast-${alert.tone}`} aria-label={alert.title}>
          <p class="toast-title">{alert.title}</p>
          <p>{alert.body}</p>
          <div class="toast-actions">
            <Link href={`/books/${alert.bookUuid}`}>Open the book</Link>
            <button type="button" class="button-quiet" onClick={() => dismiss(alert.id)}>
              Dismiss
            </button>
          </div>
        </article>
      ))}
    </div>
  );
}
