import { LAST_EVENT_ID } from '../contract/stream.js';

/**
 * A position in a book's change log: the writing transaction's id and the row's id, compared in that order. Sent as
 * the SSE `id:` ("<xid>-<id>") and taken back as Last-Event-ID.
 */
export interface ChangeCursor {
  xid: bigint;
  id: bigint;
}

const MAX_XID = 2n ** 64n - 1n;
const MAX_ID = 2n ** 63n - 1n;

export const formatCursor = (cursor: ChangeCursor): string => `${cursor.xid}-${cursor.id}`;

/** The cursor a client sent back, or undefined when it is not one this service issued. */
export function parseCursor(value: string): ChangeCursor | undefined {
  const match = LAST_EVENT_ID.exec(value);
  if (!match) return undefined;
  const xid = BigInt(match[1] as string);
  const id = BigInt(match[2] as string);
  return xid <= MAX_XID && id <= MAX_ID ? { xid, id } : undefined;
}

export const compareCursors = (a: ChangeCursor, b: ChangeCursor): number =>
  a.xid === b.xid ? Number(a.id - b.id) : a.xid < b.xid ? -1 : 1;

/**
 * Retention deleted rows after the stream's position while it was open (it fell days behind): the stream ends, and
 * its reconnect gets the answer a stale position gets (the book's snapshot, or the event feed's 410).
 */
export class CursorExpiredError extends Error {
  override name = 'CursorExpiredError';
}
