import type Router from '@koa/router';
import { BookUuidSchema } from '../contract/book.js';
import { tenantOfKey } from '../db/api-keys.js';
import { changeCursorExpired, changeHorizon } from '../db/book-changes.js';
import type { Logger } from '../logger.js';
import type { BookChangeHub } from '../stream/book-change-hub.js';
import { bookStreamReader } from '../stream/book-stream.js';
import { formatCursor } from '../stream/change-cursor.js';
import { ChangeStream, formatMessage } from '../stream/change-stream.js';
import { bearerKey } from './auth.js';
import { requireBook, type BookDeps } from './book-access.js';
import { loadBookView } from './book-snapshot.js';
import { openEventStream, resumeCursor } from './event-stream-response.js';
import { parseInput } from './problem.js';
import type { AppState } from './state.js';
import type { StreamSlots } from './stream-slots.js';

export interface StreamRouteDeps extends BookDeps {
  hub: BookChangeHub;
  logger: Logger;
  heartbeatMs: number;
  /** The tenant's open streams, capped (MAX_STREAMS_PER_TENANT). */
  slots: StreamSlots;
}

export function registerStreamRoutes(router: Router<AppState>, deps: StreamRouteDeps): void {
  router.get('/v1/books/:book_uuid/stream', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const resume = resumeCursor(ctx.get('Last-Event-ID'), ctx.query.last_event_id);
    const { tenantId } = ctx.state;
    // requireApiKey has checked it; the stream checks it again at each heartbeat.
    const apiKey = bearerKey(ctx) as string;
    const row = await requireBook(deps.pool, tenantId, bookUuid);
    // A position older than the change log keeps (RETAIN_CHANGE_LOG) starts over with the snapshot, which replaces
    // everything the client holds: no change is skipped without the client knowing.
    let after = resume && !(await changeCursorExpired(deps.pool, resume)) ? resume : undefined;
    let first = '';
    if (!after) {
      // The horizon is taken before the snapshot is read: whatever the snapshot misses comes after it.
      after = await changeHorizon(deps.pool);
      const view = await loadBookView(deps, row);
      first = formatMessage({ id: formatCursor(after), event: 'book', data: view });
    }
    const release = deps.slots.take(tenantId);
    const out = openEventStream(ctx, first);
    out.once('close', release);
    const stream = new ChangeStream(out, {
      hub: deps.hub,
      logger: deps.logger,
      subscribe: (listener) => deps.hub.subscribe(tenantId, bookUuid, listener),
      read: bookStreamReader(deps.pool, tenantId, bookUuid),
      after,
      heartbeatMs: deps.heartbeatMs,
      stillAuthorized: async () => (await tenantOfKey(deps.pool, apiKey)) === tenantId,
      logContext: { bookUuid },
    });
    ctx.req.once('close', () => stream.close());
    stream.start();
  });
}
