import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { formatCursor, parseCursor, type ChangeCursor } from '../stream/change-cursor.js';
import { invalidField } from './problem.js';

/** Reconnect delay the streams ask EventSource clients for. */
const RETRY_MS = 2000;

/** Where a stream resumes: its Last-Event-ID header, else its `last_event_id` parameter; undefined when neither. */
export function resumeCursor(header: string, query: unknown): ChangeCursor | undefined {
  const given = header || query;
  if (given === undefined || given === '') return undefined;
  const cursor = typeof given === 'string' ? parseCursor(given) : undefined;
  if (cursor) return cursor;
  throw invalidField(
    'Last-Event-ID',
    'is not an event id of this stream',
    'Last-Event-ID is invalid: send back the id of the last event this stream sent you.',
  );
}

/**
 * An SSE message with only an id: it dispatches no event, but an EventSource takes it as its Last-Event-ID, so a
 * stream that has sent nothing else yet still resumes from where it started.
 */
export const positionMessage = (cursor: ChangeCursor) => `id: ${formatCursor(cursor)}\n\n`;

/**
 * Starts a text/event-stream answer that the caller writes itself: a client going away is the normal end of it, not
 * an error for Koa. `first` follows the retry delay.
 */
export function openEventStream(ctx: Context, first: string): ServerResponse {
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.respond = false;
  const out = ctx.res;
  out.writeHead(200, {
    ...ctx.response.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Proxies such as nginx would otherwise hold events back in their buffers.
    'x-accel-buffering': 'no',
  });
  out.write(`retry: ${RETRY_MS}\n\n${first}`);
  return out;
}
