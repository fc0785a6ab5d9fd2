import { z } from 'zod';

/** Cursor pagination, one form for every list: `limit`, an opaque cursor in, `next_cursor` out. */

/** `limit` of a list: 1 to 100 items a page, `fallback` when absent. */
export const pageLimit = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);

export const PageLimitSchema = pageLimit(20);

export const PageCursorSchema = z
  .string()
  .max(600)
  .regex(/^[\w-]+$/, { error: 'must be a next_cursor value from a previous page' });

/** `next_cursor` of a page; `param` is the query parameter that takes it back. */
export const nextCursorSchema = (param: string, last = 'null on the last') =>
  z
    .string()
    .nullable()
    .meta({ description: `Pass as \`${param}\` for the next page; ${last}` });

/** The query string of a list that takes nothing but a page. */
export const pageQuery = (fallback = 20) =>
  z.strictObject({ limit: pageLimit(fallback), cursor: PageCursorSchema.optional() });
