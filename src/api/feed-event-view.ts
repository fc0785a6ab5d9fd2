import type { FeedEvent } from '../contract/event-feed.js';
import type { FeedRow } from '../db/event-feed.js';
import { formatCursor } from '../stream/change-cursor.js';

export function toFeedEvent(row: FeedRow): FeedEvent {
  return {
    cursor: formatCursor(row.cursor),
    event_id: row.event_id,
    event_name: row.event_type,
    book_uuid: row.book_uuid,
    doc_uuid: row.doc_uuid,
    occurred_at: row.occurred_at.toISOString(),
    payload: row.payload,
  };
}
