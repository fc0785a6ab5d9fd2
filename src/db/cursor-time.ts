/**
 * A timestamp column as text with PostgreSQL's microseconds, for a page's cursor: a JavaScript Date would round them
 * and skip or repeat rows that share a millisecond.
 */
export const cursorTime = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
