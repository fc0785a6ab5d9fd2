import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Api } from './api.js';
import type { BookView, StreamMessages } from './api-types.js';

/** Applies one stream message to the book on screen: each change replaces its item by key. */
export function applyMessage(book: BookView | undefined, message: EventSourceMessage): BookView | undefined {
  const name = message.event as keyof StreamMessages;
  if (name === 'book') return JSON.parse(message.data) as BookView;
  if (!book) return book;
  switch (name) {
    case 'document': {
      const doc = JSON.parse(message.data) as StreamMessages['document'];
      const known = book.documents.some((d) => d.doc_uuid === doc.doc_uuid);
      const documents = known
        ? book.documents.map((d) => (d.doc_uuid === doc.doc_uuid ? doc : d))
        : [...book.documents, doc];
      return { ...book, documents };
    }
    case 'book.status': {
      const { status, document_counts } = JSON.parse(message.data) as StreamMessages['book.status'];
      return { ...book, status, document_counts };
    }
    case 'event': {
      const event = JSON.parse(message.data) as StreamMessages['event'];
      const events = book.events.some((e) => e.event_id === event.event_id)
        ? book.events.map((e) => (e.event_id === event.event_id ? event : e))
        : [...book.events, event];
      return { ...book, events };
    }
    case 'analytics':
      return { ...book, analytics: JSON.parse(message.data) as StreamMessages['analytics'] };
    default:
      return book;
  }
}

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** Thrown to make fetch-event-source reconnect (it resolves, not retries, when the server ends the stream). */
class StreamEnded extends Error {}

/**
 * The book, live: a snapshot, then every change from `GET /v1/books/:id/stream`. fetch-event-source sends the API
 * key as a header (EventSource cannot) and `Last-Event-ID` on reconnect, so nothing is missed in between.
 * `deliveryChanges` counts delivery messages, for views that reload the delivery log.
 */
export function useBookStream(api: Api, bookUuid: string) {
  const [book, setBook] = useState<BookView>();
  const [error, setError] = useState<ApiError>();
  const [connection, setConnection] = useState<Connection>('connecting');
  const [deliveryChanges, setDeliveryChanges] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setBook(undefined);
    setError(undefined);
    setConnection('connecting');
    fetchEventSource(`/v1/books/${encodeURIComponent(bookUuid)}/stream`, {
      signal: controller.signal,
      headers: { authorization: `Bearer ${api.key}` },
      openWhenHidden: true,
      async onopen(response) {
        if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
          setConnection('live');
          return;
        }
        throw await ApiError.from(response);
      },
      onmessage(message) {
        if (message.event === 'delivery') setDeliveryChanges((n) => n + 1);
        setBook((current) => applyMessage(current, message));
      },
      onclose() {
        throw new StreamEnded();
      },
      onerror(err: unknown) {
        // A refusal (bad key, unknown book) will not change by retrying; anything else reconnects.
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
          if (err.status === 401) api.onUnauthorized(err);
          setError(err);
          throw err;
        }
        setConnection('reconnecting');
      },
    }).catch(() => {
      // The refusal is on screen already.
    });
    return () => controller.abort();
  }, [api, bookUuid]);

  return { book, error, connection, deliveryChanges };
}
