import type Router from '@koa/router';
import { BookUuidSchema } from '../contract/book.js';
import { tenantOfKey } from '../db/api-keys.js';
import { changeHorizon } from '../db/book-changes.js';
import type { Logger } from '../logger.js';
import type { BookChangeHub } from '../stream/book-change-hub.js';
import { BookStream, formatMessage } from '../stream/book-stream.js';
import { formatCursor, parseCursor, type ChangeCursor } from '../stream/change-cursor.js';
import { bearerKey } from './auth.js';
import { requireBook, type BookDeps } from './book-access.js';
import { loadBookView } from './book-snapshot.js';
import { HttpProblem, parseInput } from './problem.js';
import type { AppState } from './state.js';

export interface StreamRouteDeps extends BookDeps {
  hub: BookChangeHub;
  logger: Logger;
  queryTimeoutMs: number;
  heartbeatMs: number;
}

/** Reconnect delay the stream asks EventSource clients for. */
const RETRY_MS = 2000;

function resumeCursor(header: string, query: unknown): ChangeCursor | undefined {
  const given = header || query;
  if (given === undefined || given === '') return undefined;
  const cursor = typeof given === 'string' ? parseCursor(given) : undefined;
  if (cursor) return cursor;
  throw new HttpProblem(
    400,
    'Invalid request',
    'Last-Event-ID is invalid: send back the id of the last event this stream sent you.',
    [{ field: 'Last-Event-ID', message: 'is not an event id of this stream' }],
  );
}

export function registerStreamRoutes(router: Router<AppState>, deps: StreamRouteDeps): void {
  router.get('/v1/books/:book_uuid/stream', async (ctx) => {
    const bookUuid = parseInput(BookUuidSchema, ctx.params.book_uuid, 'book_uuid');
    const resume = resumeCursor(ctx.get('Last-Event-ID'), ctx.query.last_event_id);
    const { tenantId } = ctx.state;
    // requireApiKey has checked it; the stream checks it again at each heartbeat.
    const apiKey = bearerKey(ctx) as string;
    const row = await requireBook(deps.pool, tenantId, bookUuid);
    let after = resume;
    let first = `retry: ${RETRY_MS}\n\n`;
    if (!after) {
      // The horizon is taken before the snapshot is read: whatever the snapshot misses comes after it.
      after = await changeHorizon(deps.pool);
      const view = await loadBookView(deps, row);
      first += formatMessage({ id: formatCursor(after), event: 'book', data: view });
    }
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    // The stream writes the response itself: a client going away is the normal end of it, not an error for Koa.
    ctx.status = 200;
    ctx.respond = false;
    const out = ctx.res;
    out.writeHead(200, {
      ...ctx.response.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies such as nginx would otherwise hold events back in their buffers.
      'x-accel-buffering': 'no',
    });
    out.write(first);
    const stream = new BookStream(out, {
      pool: deps.pool,
      hub: deps.hub,
      logger: deps.logger,
      tenantId,
      bookUuid,
      after,
      heartbeatMs: deps.heartbeatMs,
      stillAuthorized: async () => (await tenantOfKey(deps.pool, apiKey)) === tenantId,
    });
    ctx.req.once('close', () => stream.close());
    stream.start();
  });
}
