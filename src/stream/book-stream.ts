import type { Writable } from 'node:stream';
import { readBookChanges } from '../db/book-changes.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { BookChangeHub } from './book-change-hub.js';
import type { ChangeCursor } from './change-cursor.js';
import { changeMessages, type StreamMessage } from './change-messages.js';

export interface BookStreamOptions {
  pool: Pool;
  hub: BookChangeHub;
  logger: Logger;
  tenantId: string;
  bookUuid: string;
  /** Send what comes after this position. */
  after: ChangeCursor;
  heartbeatMs: number;
  /** Asked at each heartbeat: a stream whose API key was revoked since it opened ends (its reconnect gets a 401). */
  stillAuthorized?: () => Promise<boolean>;
}

/** Changes read per query; a long backlog is sent in several runs. */
const PAGE = 500;
/** A committed change waiting on an older, still-running transaction is looked at again this soon. */
const HELD_RETRY_MS = 50;
/** A client this far behind is cut off; it reconnects with Last-Event-ID and catches up from the log. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function formatMessage(message: StreamMessage): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/**
 * Feeds one client's event stream from the book's change log: reads after each notification, on a short timer while
 * a change is held back, and at every heartbeat (which also keeps proxies from closing an idle connection).
 */
export class BookStream {
  #cursor: ChangeCursor;
  #reading = false;
  #again = false;
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #heldRetry: NodeJS.Timeout | undefined;
  readonly #cleanups: Array<() => void> = [];

  constructor(
    private readonly out: Writable,
    private readonly options: BookStreamOptions,
  ) {
    this.#cursor = options.after;
  }

  start(): void {
    const { hub, tenantId, bookUuid, heartbeatMs } = this.options;
    this.#cleanups.push(hub.subscribe(tenantId, bookUuid, () => this.poke()));
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
        // The client reconnects with its Last-Event-ID and loses nothing.
        this.options.logger.warn({ err, bookUuid: this.options.bookUuid }, 'book stream read failed; closing it');
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
    const { pool, tenantId, bookUuid } = this.options;
    for (;;) {
      const { changes, held } = await readBookChanges(pool, tenantId, bookUuid, this.#cursor, PAGE);
      if (this.#closed) return;
      const last = changes.at(-1);
      if (last) {
        for (const message of await changeMessages(pool, tenantId, bookUuid, changes)) {
          this.#write(formatMessage(message));
        }
        this.#cursor = last.cursor;
      }
      if (held && !this.#heldRetry) {
        this.#heldRetry = setTimeout(() => {
          this.#heldRetry = undefined;
          this.poke();
        }, HELD_RETRY_MS);
      }
      if (changes.length < PAGE || this.#closed) return;
    }
  }

  #write(text: string): void {
    if (this.#closed) return;
    this.out.write(text);
    if (this.out.writableLength > MAX_BUFFERED_BYTES) {
      this.options.logger.warn({ bookUuid: this.options.bookUuid }, 'book stream client too slow; closing it');
      this.close();
    }
  }
}
