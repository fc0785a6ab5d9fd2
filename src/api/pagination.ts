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
