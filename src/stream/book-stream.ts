import { readBookChanges } from '../db/book-changes.js';
import type { Pool } from '../db/pool.js';
import { changeMessages } from './change-messages.js';
import { CursorExpiredError, formatCursor } from './change-cursor.js';
import type { StreamReader } from './change-stream.js';

/** A book's stream reads its change log: one message per changed item, with the item's current state. */
export function bookStreamReader(pool: Pool, tenantId: string, bookUuid: string): StreamReader {
  return async (after, limit) => {
    const { changes, held, expired } = await readBookChanges(pool, tenantId, bookUuid, after, limit);
    if (expired) throw new CursorExpiredError(`changes after ${formatCursor(after)} were deleted by retention`);
    const last = changes.at(-1);
    const messages = last ? await changeMessages(pool, tenantId, bookUuid, changes) : [];
    return { messages, last: last?.cursor, count: changes.length, held };
  };
}
