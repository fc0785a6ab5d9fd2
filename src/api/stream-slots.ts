import { HttpProblem } from './problem.js';

/** How soon a refused stream may try again: as often as EventSource reconnects anyway. */
const RETRY_AFTER_S = 2;

/**
 * The live streams each tenant has open in this API process, at most `perTenant`. A stream takes a slot before it
 * starts and gives it back when its response closes (the client went away, the stream ended, the process stops).
 */
export class StreamSlots {
  readonly #open = new Map<string, number>();

  constructor(private readonly perTenant: number) {}

  /** Takes a slot for `tenantId`, or throws 429 `too-many-streams`; the returned function gives it back, once. */
  take(tenantId: string): () => void {
    const open = this.#open.get(tenantId) ?? 0;
    if (open >= this.perTenant) {
      throw new HttpProblem(
        'too-many-streams',
        `This tenant already has ${open} streams open here, the most it may (MAX_STREAMS_PER_TENANT); close one or retry later.`,
        { retryAfterSeconds: RETRY_AFTER_S },
      );
    }
    this.#open.set(tenantId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#open.set(tenantId, left);
      else this.#open.delete(tenantId);
    };
  }

  /** Streams open for `tenantId` (for tests and metrics). */
  openFor(tenantId: string): number {
    return this.#open.get(tenantId) ?? 0;
  }
}
