import type Router from '@koa/router';
import type { z } from 'zod';
import { BookUuidSchema } from '../contract/book.js';
import { DocumentsQuerySchema } from '../contract/book-view.js';
import { BookEventsQuerySchema } from '../contract/deliveries.js';
import { DeliveriesQuerySchema } from '../contract/endpoints.js';
import { listBookDeliveries, listEventDeliveries, type ListedDelivery } from '../db/delivery-lists.js';
import { listDocumentPage } from '../db/documents.js';
import { listBookEventPage } from '../db/events.js';
import type { Pool } from '../db/pool.js';
import { requireBook } from './book-access.js';
import { toDocumentView } from './book-view.js';
import { toDelivery } from './delivery-view.js';
import { bookDeliveryCursor, bookEventCursor, documentCursor } from './list-cursors.js';
import { pageOf } from './pagination.js';
import { parseInput } from './problem.js';
import type { AppState } from './state.js';

/** A book's lists, each a page at a time: its documents, its events (with their deliveries) and its deliveries. */
export function registerBookListRoutes(router: Router<AppState>, { pool }: { pool: Pool }): void {
  /** The book of the path, checked to be the tenant's (a 404 otherwise), and the query string parsed by `schema`. */
  const bookAnd = async <S extends z.ZodType>(
    ctx: { params: Record<string, string | undefined>; query: unknown; state: AppState },
    schema: S,
  ) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const query = parseInput(schema, ctx.query, 'query string');
    await requireBook(pool, ctx.state.tenantId, bookUuid);
    return { bookUuid, query };
  };

  router.get('/v1/books/:book_uuid/documents', async (ctx) => {
    const { bookUuid, query } = await bookAnd(ctx, DocumentsQuerySchema);
    const [afterSeq] = documentCursor.decode(query.cursor, bookUuid) ?? [];
    const rows = await listDocumentPage(pool, ctx.state.tenantId, bookUuid, { limit: query.limit + 1, afterSeq });
    ctx.body = pageOf(rows, query.limit, toDocumentView, (last) => documentCursor.encode(bookUuid, [last.cursor_seq]));
  });

  router.get('/v1/books/:book_uuid/events', async (ctx) => {
    const { bookUuid, query } = await bookAnd(ctx, BookEventsQuerySchema);
    const { tenantId } = ctx.state;
    const [afterSeq] = bookEventCursor.decode(query.cursor, bookUuid) ?? [];
    const events = await listBookEventPage(pool, tenantId, bookUuid, { limit: query.limit + 1, afterSeq });
    const shown = events.slice(0, query.limit);
    const byEvent = new Map<string, ListedDelivery[]>();
    for (const delivery of await listEventDeliveries(
      pool,
      tenantId,
      shown.map((event) => event.event_id),
    )) {
      byEvent.set(delivery.event_id, [...(byEvent.get(delivery.event_id) ?? []), delivery]);
    }
    ctx.body = pageOf(
      events,
      query.limit,
      (event) => ({
        event_id: event.event_id,
        event_name: event.event_type,
        doc_uuid: event.doc_uuid,
        occurred_at: event.occurred_at.toISOString(),
        payload: event.payload,
        deliveries: (byEvent.get(event.event_id) ?? []).map(toDelivery),
      }),
      (last) => bookEventCursor.encode(bookUuid, [last.cursor_seq]),
    );
  });

  router.get('/v1/books/:book_uuid/deliveries', async (ctx) => {
    const { bookUuid, query } = await bookAnd(ctx, DeliveriesQuerySchema);
    const [createdAt, eventId, endpointId] = bookDeliveryCursor.decode(query.cursor, bookUuid) ?? [];
    const rows = await listBookDeliveries(pool, ctx.state.tenantId, bookUuid, {
      status: query.status,
      limit: query.limit + 1,
      after: createdAt && eventId && endpointId ? { createdAt, eventId, endpointId } : undefined,
    });
    ctx.body = pageOf(rows, query.limit, toDelivery, (last) =>
      bookDeliveryCursor.encode(bookUuid, [last.cursor_at, last.event_id, last.endpoint_id]),
    );
  });
}
