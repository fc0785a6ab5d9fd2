import type Router from '@koa/router';
import { EventFeedQuerySchema, EventStreamQuerySchema } from '../contract/event-feed.js';
import { tenantOfKey } from '../db/api-keys.js';
import { changeHorizon } from '../db/book-changes.js';
import { feedCursorExpired, readEventFeed } from '../db/event-feed.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { BookChangeHub } from '../stream/book-change-hub.js';
import { formatCursor, parseCursor } from '../stream/change-cursor.js';
import { ChangeStream } from '../stream/change-stream.js';
import { eventFeedReader } from '../stream/event-feed-stream.js';
import { bearerKey } from './auth.js';
import { openEventStream, positionMessage, resumeCursor } from './event-stream-response.js';
import { toFeedEvent } from './feed-event-view.js';
import { invalidCursor, pageOf } from './pagination.js';
import { gone, parseInput } from './problem.js';
import type { AppState } from './state.js';
import type { StreamSlots } from './stream-slots.js';

export interface EventFeedRouteDeps {
  pool: Pool;
  hub: BookChangeHub;
  logger: Logger;
  heartbeatMs: number;
  /** The tenant's open streams, capped (MAX_STREAMS_PER_TENANT). */
  slots: StreamSlots;
}

const cursorExpired = (field: string, cursor: string) =>
  gone(
    'cursor-expired',
    `${field} ${cursor} is older than the events retention kept: events after it were deleted. Catch up from the start (GET /v1/events without \`after\`), skipping event_ids you already have.`,
  );

/** The tenant-wide event feed: the catch-up list and its live stream, one order and one cursor for both. */
export function registerEventFeedRoutes(router: Router<AppState>, deps: EventFeedRouteDeps): void {
  const { pool } = deps;

  router.get('/v1/events', async (ctx) => {
    const query = parseInput(EventFeedQuerySchema, ctx.query, 'query string');
    const after = query.after === undefined ? undefined : parseCursor(query.after);
    if (query.after !== undefined && !after) throw invalidCursor('after');
    const { events, expired } = await readEventFeed(pool, ctx.state.tenantId, {
      after,
      type: query.type,
      bookUuid: query.book_uuid,
      limit: query.limit + 1,
    });
    if (expired) throw cursorExpired('after', query.after as string);
    ctx.body = pageOf(events, query.limit, toFeedEvent, (last) => formatCursor(last.cursor));
  });

  router.get('/v1/events/stream', async (ctx) => {
    const query = parseInput(EventStreamQuerySchema, ctx.query, 'query string');
    const resume = resumeCursor(ctx.get('Last-Event-ID'), query.last_event_id);
    const { tenantId } = ctx.state;
    // requireApiKey has checked it; the stream checks it again at each heartbeat.
    const apiKey = bearerKey(ctx) as string;
    // Without a position the stream starts now: every event of a transaction older than the horizon is in the past.
    if (resume && (await feedCursorExpired(pool, tenantId, resume))) {
      throw cursorExpired('Last-Event-ID', formatCursor(resume));
    }
    const after = resume ?? (await changeHorizon(pool));
    const release = deps.slots.take(tenantId);
    const out = openEventStream(ctx, resume ? '' : positionMessage(after));
    out.once('close', release);
    const stream = new ChangeStream(out, {
      hub: deps.hub,
      logger: deps.logger,
      subscribe: (listener) => deps.hub.subscribeTenant(tenantId, listener),
      read: eventFeedReader(pool, tenantId, { type: query.type, bookUuid: query.book_uuid }),
      after,
      heartbeatMs: deps.heartbeatMs,
      stillAuthorized: async () => (await tenantOfKey(pool, apiKey)) === tenantId,
      logContext: { tenantId },
    });
    ctx.req.once('close', () => stream.close());
    stream.start();
  });
}
