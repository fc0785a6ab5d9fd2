import { z } from 'zod';
import { invalidField } from './problem.js';

/** The 400 for a cursor this API did not issue, naming the parameter that carried it. */
export const invalidCursor = (field: string) =>
  invalidField(
    field,
    'is not a cursor this API issued',
    `The ${field} is invalid: pass next_cursor from a previous page.`,
  );

/**
 * A page from rows read with `limit + 1`: the extra row is not shown, it only says that another page exists, whose
 * cursor is the last shown row's.
 */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  view: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): { data: Item[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map((row) => view(row)), next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}

// The form the lists' queries issue (db/page-keys.ts). Date.parse alone also takes "1" or "March 7", which PostgreSQL
// refuses (a 500).
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** A real time in that form: no February 30th, no year 0. */
export function isCursorTime(value: unknown): boolean {
  if (typeof value !== 'string' || !CURSOR_TIME.test(value) || value < '0001') return false;
  const time = new Date(value);
  return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === value.slice(0, 19);
}

/** Key parts of a cursor: a time with PostgreSQL's microseconds, a bigint sequence, text ids. */
export const cursorKey = {
  time: z.string().refine(isCursorTime),
  seq: z.string().regex(/^[1-9]\d{0,17}$/),
  uuid: z.uuid(),
  id: z.string().min(1).max(300),
};

/**
 * The cursors of one list: base64url JSON of the list's name, the scope it was issued in (a book, an endpoint…) and
 * the last row's key. A cursor of another list or scope, or not of this form, is a 400 naming the parameter: it never
 * reaches PostgreSQL.
 */
export function cursorCodec<Key extends unknown[]>(list: string, key: z.ZodType<Key>) {
  return {
    encode: (scope: string, value: Key): string =>
      Buffer.from(JSON.stringify([list, scope, ...value])).toString('base64url'),
    decode(cursor: string | undefined, scope: string, field = 'cursor'): Key | undefined {
      if (cursor === undefined) return undefined;
      try {
        const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
        if (Array.isArray(parts) && parts[0] === list && parts[1] === scope) {
          const parsed = key.safeParse(parts.slice(2));
          if (parsed.success) return parsed.data;
        }
      } catch {
        // falls through to the 400
      }
      throw invalidCursor(field);
    },
  };
}
