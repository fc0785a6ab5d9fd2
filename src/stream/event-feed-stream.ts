import { toFeedEvent } from '../api/feed-event-view.js';
import { FEED_STREAM_EVENT } from '../contract/event-feed.js';
import { readEventFeed, type FeedQuery } from '../db/event-feed.js';
import type { Pool } from '../db/pool.js';
import { CursorExpiredError, formatCursor } from './change-cursor.js';
import type { StreamReader } from './change-stream.js';

/** The tenant's event stream reads the events themselves: each is final once sent, so no state is re-read. */
export function eventFeedReader(
  pool: Pool,
  tenantId: string,
  filters: Pick<FeedQuery, 'type' | 'bookUuid'>,
): StreamReader {
  return async (after, limit) => {
    const { events, held, expired } = await readEventFeed(pool, tenantId, { ...filters, after, limit });
    if (expired) throw new CursorExpiredError(`events after ${formatCursor(after)} were deleted by retention`);
    return {
      messages: events.map((row) => {
        const event = toFeedEvent(row);
        return { id: event.cursor, event: FEED_STREAM_EVENT, data: event };
      }),
      last: events.at(-1)?.cursor,
      count: events.length,
      held,
    };
  };
}
