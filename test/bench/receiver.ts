import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { listSome, StageTimeout } from './deadline.js';

/** One request that reached the receiver. */
export interface Arrival {
  /** `webhook-id` header (bookbell) or the body's `id` (the floor). */
  endpointId: string;
  /** The body's event id, event name, book and document (bookbell). */
  eventId: string;
  eventName: string;
  bookUuid: string;
  docUuid: string | undefined;
  /** performance.now() in this process, comparable with the load generator's clock. */
  at: number;
}

/**
 * A CRM's endpoint receiver on loopback: checks each Standard Webhooks signature (once `secret` is set), records every
 * arrival, answers 204. `mode` scripts outages: `down` answers 503, `closed` refuses connections.
 */
export class BenchReceiver {
  readonly arrivals: Arrival[] = [];
  /** Requests whose signature did not verify (answered 401; they must stay 0). */
  forged = 0;
  private verifier: Webhook | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** The port it listens on (kept across `close()`, so `listen(port)` comes back at the same URL). */
  port = 0;
  private onArrival: Array<() => void> = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  private signingSecret: string | undefined;

  /** The endpoint secret signatures are checked with (a second endpoint may sign with it too). */
  get secret(): string | undefined {
    return this.signingSecret;
  }

  /** Signatures are checked from now on with this endpoint secret. */
  set secret(secret: string) {
    this.signingSecret = secret;
    this.verifier = new Webhook(secret);
  }

  mode: 'up' | 'down' = 'up';

  async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        if (this.mode === 'down') return void res.writeHead(503).end('down for the drill');
        const body = Buffer.concat(chunks).toString();
        const headers = req.headers as Record<string, string>;
        if (this.verifier) {
          try {
            this.verifier.verify(body, headers);
          } catch {
            this.forged += 1;
            return void res.writeHead(401).end();
          }
        }
        const json = JSON.parse(body) as Record<string, string | undefined>;
        this.arrivals.push({
          endpointId: headers['webhook-id'] ?? json.id ?? '',
          eventId: json.event_id ?? json.id ?? '',
          eventName: json.event_name ?? 'FLOOR',
          bookUuid: json.book_uuid ?? '',
          docUuid: json.doc_uuid,
          at,
        });
        for (const wake of this.onArrival.splice(0)) wake();
        res.writeHead(204).end();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections: senders see connection errors until `listen()` again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The `expected` keys no arrival has yet (each arrival keyed by `keyOf`). */
  missing(expected: Iterable<string>, keyOf: (arrival: Arrival) => string): string[] {
    const arrived = new Set(this.arrivals.map(keyOf));
    return [...expected].filter((key) => !arrived.has(key));
  }

  /** Resolves once every `expected` key has arrived; past `timeoutMs` rejects naming those that never did. */
  async untilAll(
    expected: Set<string>,
    keyOf: (arrival: Arrival) => string,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    let arrivalsSeen = -1;
    const done = () => {
      // Recounted only when something arrived.
      if (this.arrivals.length === arrivalsSeen) return false;
      arrivalsSeen = this.arrivals.length;
      return this.missing(expected, keyOf).length === 0;
    };
    try {
      await this.until(done, timeoutMs, what);
    } catch (err) {
      const timeout = new StageTimeout(
        `${(err as Error).message}\n${listSome('  never arrived at the receiver', this.missing(expected, keyOf))}`,
      );
      timeout.described = true;
      throw timeout;
    }
  }

  /** Resolves once `done()` holds after some arrival, or rejects after `timeoutMs` without it. */
  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver: ${what} not reached within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.onArrival.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
