import { z } from 'zod';

/** Cursor pagination, one form for every list: `limit`, an opaque cursor in, `next_cursor` out. */

export const PageLimitSchema = z.coerce.number().int().min(1).max(100).default(20);

export const PageCursorSchema = z
  .string()
  .max(200)
  .regex(/^[\w-]+$/, { error: 'must be a next_cursor value from a previous page' });

/** `next_cursor` of a page; `param` is the query parameter that takes it back. */
export const nextCursorSchema = (param: string, last = 'null on the last') =>
  z
    .string()
    .nullable()
    .meta({ description: `Pass as \`${param}\` for the next page; ${last}` });
