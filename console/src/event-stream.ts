import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { ApiError, type Api } from './api.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** Thrown to make fetch-event-source reconnect (it resolves, not retries, when the server ends the stream). */
class StreamEnded extends Error {}

export interface StreamHandlers {
  onMessage: (message: EventSourceMessage) => void;
  onConnection: (connection: Connection) => void;
  /** A 4xx answer: retrying would get the same one, so the stream stops. */
  onRefused: (error: ApiError) => void;
}

/**
 * Opens one of the API's Server-Sent Event streams until `signal` aborts. fetch-event-source sends the API key as a
 * header (EventSource cannot) and, on reconnect, the last `id:` it saw as Last-Event-ID, so nothing is missed in
 * between; it reconnects after anything but a refusal.
 */
export function openEventStream(api: Api, path: string, signal: AbortSignal, handlers: StreamHandlers): void {
  handlers.onConnection('connecting');
  fetchEventSource(path, {
    signal,
    headers: { authorization: `Bearer ${api.key}` },
    openWhenHidden: true,
    async onopen(response) {
      if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
        handlers.onConnection('live');
        return;
      }
      throw await ApiError.from(response);
    },
    onmessage: handlers.onMessage,
    onclose() {
      throw new StreamEnded();
    },
    onerror(err: unknown) {
      // A refusal (bad key, unknown book, expired position) will not change by retrying; anything else reconnects.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        if (err.status === 401) api.onUnauthorized(err);
        handlers.onRefused(err);
        throw err;
      }
      handlers.onConnection('reconnecting');
    },
  }).catch(() => {
    // onRefused has the refusal.
  });
}
