import type { Writable } from 'node:stream';
import type { Logger } from '../logger.js';
import type { BookChangeHub } from './book-change-hub.js';
import { CursorExpiredError, type ChangeCursor } from './change-cursor.js';

/** One Server-Sent Event: `id:` is the position to resume after it. */
export interface SseMessage {
  id: string;
  event: string;
  data: unknown;
}

/** One read of a stream's log after a position: the messages, where it got to, and whether later rows wait. */
export interface StreamRead {
  messages: SseMessage[];
  /** The position of the last row read; undefined when none was. */
  last: ChangeCursor | undefined;
  /** Rows read (a full page means more may follow at once). */
  count: number;
  /** Later rows committed but not final yet (an older transaction still runs). */
  held: boolean;
}

export type StreamReader = (after: ChangeCursor, limit: number) => Promise<StreamRead>;

export interface ChangeStreamOptions {
  hub: BookChangeHub;
  logger: Logger;
  /** Calls its listener after each committed change the stream may care about; returns the unsubscribe. */
  subscribe: (listener: () => void) => () => void;
  read: StreamReader;
  /** Send what comes after this position. */
  after: ChangeCursor;
  heartbeatMs: number;
  /** Asked at each heartbeat: a stream whose API key was revoked since it opened ends (its reconnect gets a 401). */
  stillAuthorized?: () => Promise<boolean>;
  /** Said in its log lines. */
  logContext: Record<string, string>;
}

/** Rows read per query; a long backlog is sent in several runs. */
const PAGE = 500;
/** A committed change waiting on an older, still-running transaction is looked at again this soon. */
const HELD_RETRY_MS = 50;
/** A client this far behind is cut off; it reconnects with Last-Event-ID and catches up from the log. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function formatMessage(message: SseMessage): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/**
 * Feeds one client's event stream from a log ordered by (xid, id): reads after each notification, on a short timer
 * while a change is held back, and at every heartbeat (which also keeps proxies from closing an idle connection).
 */
export class ChangeStream {
  #cursor: ChangeCursor;
  #reading = false;
  #again = false;
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #heldRetry: NodeJS.Timeout | undefined;
  readonly #cleanups: Array<() => void> = [];

  constructor(
    private readonly out: Writable,
    private readonly options: ChangeStreamOptions,
  ) {
    this.#cursor = options.after;
  }

  start(): void {
    const { hub, subscribe, heartbeatMs } = this.options;
    this.#cleanups.push(subscribe(() => this.poke()));
    this.#cleanups.push(hub.onClose(() => this.close()));
    this.#heartbeat = setInterval(() => {
      this.#write(': keep-alive\n\n');
      this.poke();
      this.options.stillAuthorized?.().then(
        (authorized) => authorized || this.close(),
        () => undefined, // the database is away: the next read fails and closes the stream anyway
      );
    }, heartbeatMs);
    this.out.once('close', () => this.close());
    this.poke();
  }

  /** Reads the log now, or right after the read in progress. */
  poke(): void {
    if (this.#closed) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    this.#readAll()
      .catch((err: unknown) => {
        // The client reconnects with its Last-Event-ID and loses nothing (or hears that its position expired).
        const expired = err instanceof CursorExpiredError;
        this.options.logger[expired ? 'info' : 'warn'](
          { err, ...this.options.logContext },
          expired ? 'stream position expired; closing it' : 'stream read failed; closing it',
        );
        this.close();
      })
      .finally(() => {
        this.#reading = false;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#heldRetry);
    for (const cleanup of this.#cleanups) cleanup();
    this.out.end();
  }

  async #readAll(): Promise<void> {
    for (;;) {
      const { messages, last, count, held } = await this.options.read(this.#cursor, PAGE);
      if (this.#closed) return;
      if (last) {
        for (const message of messages) this.#write(formatMessage(message));
        this.#cursor = last;
      }
      if (held && !this.#heldRetry) {
        this.#heldRetry = setTimeout(() => {
          this.#heldRetry = undefined;
          this.poke();
        }, HELD_RETRY_MS);
      }
      if (count < PAGE || this.#closed) return;
    }
  }

  #write(text: string): void {
    if (this.#closed) return;
    this.out.write(text);
    if (this.out.writableLength > MAX_BUFFERED_BYTES) {
      this.options.logger.warn(this.options.logContext, 'stream client too slow; closing it');
      this.close();
    }
  }
}
