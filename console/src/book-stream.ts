import type { EventSourceMessage } from '@microsoft/fetch-event-source';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Api, ApiError } from './api.js';
import { openEventStream, type Connection } from './event-stream.js';
import type { BookDocument, BookEvent, BookEventsPage, BookView, StreamMessages } from './api-types.js';

/**
 * Replaces the item with `item`'s key, or appends it when the list is loaded to its end; while pages are left to load
 * (`more`), an unknown item belongs to one of them and arrives with it, in its place and current state.
 */
function upsert<T>(items: T[], item: T, same: (a: T, b: T) => boolean, more: boolean): T[] {
  if (items.some((known) => same(known, item))) return items.map((known) => (same(known, item) ? item : known));
  return more ? items : [...items, item];
}

const sameDoc = (a: BookDocument, b: BookDocument) => a.doc_uuid === b.doc_uuid;
const sameEvent = (a: BookEvent, b: BookEvent) => a.event_id === b.event_id;

/** The book with the next page of its documents or events appended (one already on screen is kept once). */
export function appendPage(
  book: BookView,
  list: 'documents' | 'events',
  page: { data: BookDocument[] | BookEvent[]; next_cursor: string | null },
): BookView {
  if (list === 'documents') {
    const documents = (page.data as BookDocument[]).reduce(
      (all, doc) => upsert(all, doc, sameDoc, false),
      book.documents,
    );
    return { ...book, documents, documents_next_cursor: page.next_cursor };
  }
  const events = (page.data as BookEvent[]).reduce((all, event) => upsert(all, event, sameEvent, false), book.events);
  return { ...book, events, events_next_cursor: page.next_cursor };
}

/** Applies one stream message to the book on screen: each change replaces its item by key. */
export function applyMessage(book: BookView | undefined, message: EventSourceMessage): BookView | undefined {
  const name = message.event as keyof StreamMessages;
  if (name === 'book') return JSON.parse(message.data) as BookView;
  if (!book) return book;
  switch (name) {
    case 'document': {
      const doc = JSON.parse(message.data) as StreamMessages['document'];
      return { ...book, documents: upsert(book.documents, doc, sameDoc, book.documents_next_cursor !== null) };
    }
    case 'book.status': {
      const { status, document_counts } = JSON.parse(message.data) as StreamMessages['book.status'];
      return { ...book, status, document_counts };
    }
    case 'event': {
      const event = JSON.parse(message.data) as StreamMessages['event'];
      return { ...book, events: upsert(book.events, event, sameEvent, book.events_next_cursor !== null) };
    }
    case 'analytics':
      return { ...book, analytics: JSON.parse(message.data) as StreamMessages['analytics'] };
    default:
      return book;
  }
}

/** An event of GET …/events as the book view lists it (the view has its body's status, severity and reason). */
function toEventView({ payload, ...event }: BookEventsPage['data'][number]): BookEvent {
  return {
    event_id: event.event_id,
    event_name: event.event_name,
    doc_uuid: event.doc_uuid,
    occurred_at: event.occurred_at,
    status: payload.status,
    severity: payload.severity,
    notification_reason: payload.notification_reason,
  };
}

export type { Connection };

/**
 * The book, live: a snapshot, then every change from `GET /v1/books/:id/stream` (resumed with Last-Event-ID after a
 * drop). `deliveryChanges` counts delivery messages, for views that reload the delivery log.
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
    openEventStream(api, `/v1/books/${encodeURIComponent(bookUuid)}/stream`, controller.signal, {
      onMessage(message) {
        if (message.event === 'delivery') setDeliveryChanges((n) => n + 1);
        setBook((current) => applyMessage(current, message));
      },
      onConnection: setConnection,
      onRefused: setError,
    });
    return () => controller.abort();
  }, [api, bookUuid]);

  /** Loads the next page of the book's documents or events onto the page; the stream keeps every loaded one live. */
  const loadMore = useCallback(
    async (list: 'documents' | 'events') => {
      const cursor = list === 'documents' ? book?.documents_next_cursor : book?.events_next_cursor;
      if (!cursor) return;
      const page =
        list === 'documents'
          ? await api.listBookDocuments(bookUuid, { limit: 100, cursor })
          : await api.listBookEvents(bookUuid, { limit: 100, cursor }).then(({ data, next_cursor }) => ({
              data: data.map(toEventView),
              next_cursor,
            }));
      setBook((current) => current && appendPage(current, list, page));
    },
    [api, bookUuid, book?.documents_next_cursor, book?.events_next_cursor],
  );

  return { book, error, connection, deliveryChanges, loadMore };
}
