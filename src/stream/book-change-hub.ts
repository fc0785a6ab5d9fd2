import pg from 'pg';
import { BOOK_CHANGES_CHANNEL } from '../db/book-changes.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';

type Listener = () => void;

const RECONNECT_MS = [100, 500, 1000, 2000, 5000];

/** A tenant's streams listen under "<tenant_id>/*": no book topic looks like that (a book_uuid is a uuid). */
const tenantTopic = (tenantId: string) => `${tenantId}/*`;

/**
 * One LISTEN connection per API process for every open stream. A notification names a book; its streams and its
 * tenant's read their log themselves, so a lost notification only delays them until their next heartbeat's read.
 */
export class BookChangeHub {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #closers = new Set<() => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  readonly #gone = new WeakSet<pg.Client>();
  #failures = 0;
  #closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {}

  /** Calls `listener` after each committed change of the book; returns the unsubscribe. */
  subscribe(tenantId: string, bookUuid: string, listener: Listener): () => void {
    return this.#subscribe(`${tenantId}/${bookUuid}`, listener);
  }

  /** Calls `listener` after each committed change of any book of the tenant; returns the unsubscribe. */
  subscribeTenant(tenantId: string, listener: Listener): () => void {
    return this.#subscribe(tenantTopic(tenantId), listener);
  }

  #subscribe(topic: string, listener: Listener): () => void {
    if (this.#closed) throw new Error('the book change hub is closed');
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    void this.#connect();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(topic);
    };
  }

  /** Registers a stream to end when the hub closes (server shutdown must not wait for open streams). */
  onClose(close: () => void): () => void {
    this.#closers.add(close);
    return () => this.#closers.delete(close);
  }

  /** Resolves once notifications flow (tests use it; streams work before it, via their reads). */
  async ready(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const close of [...this.#closers]) close();
    this.#closers.clear();
    this.#listeners.clear();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<void> {
    if (this.#client || this.#closed) return Promise.resolve();
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #open(): Promise<void> {
    const client = new pg.Client({ ...this.pool.options, application_name: 'bookbell-stream' });
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      const tenant = payload.slice(0, payload.indexOf('/'));
      for (const topic of [payload, tenantTopic(tenant)]) {
        for (const listener of this.#listeners.get(topic) ?? []) listener();
      }
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen ${BOOK_CHANGES_CHANNEL}`);
    } catch (err) {
      this.#lost(client, err);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#failures = 0;
    // Changes made while no connection listened: every stream reads once.
    this.#notifyAll();
  }

  #lost(client: pg.Client, err?: unknown): void {
    // 'error' and 'end' both report one loss; a client replaced already is old news.
    if (this.#closed || this.#gone.has(client)) return;
    this.#gone.add(client);
    if (this.#client === client) this.#client = undefined;
    client.end().catch(() => undefined);
    const delay = RECONNECT_MS[Math.min(this.#failures++, RECONNECT_MS.length - 1)] as number;
    this.logger.warn({ err, retryInMs: delay }, 'book change listener lost its connection');
    setTimeout(() => {
      if (this.#listeners.size > 0) void this.#connect();
    }, delay).unref();
  }

  #notifyAll(): void {
    for (const set of this.#listeners.values()) for (const listener of set) listener();
  }
}
