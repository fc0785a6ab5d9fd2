/**
 * Group commit per key: `send` is called with one item at once when nothing is in flight for its key; items that
 * arrive while a send for their key is in flight wait for it, then go together in the next send (at most `maxBatch`).
 * Every caller learns the outcome of the send that carried its item. Uncontended items are never delayed; under a
 * burst, many items cost one send.
 */
export class GroupCommit<T, R> {
  private readonly queues = new Map<string, Array<Waiting<T, R>>>();

  /**
   * `lingerMs`: each batch waits this long for more items before it goes (0: an item that finds nothing in flight
   * goes at once). Only for items nobody waits on to answer a request.
   */
  constructor(
    private readonly send: (key: string, items: T[]) => Promise<R>,
    private readonly maxBatch = 100,
    private readonly lingerMs = 0,
  ) {}

  /** Sends `item` with whatever else is waiting for `key`; resolves with that send's result. */
  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry = { item, resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(entry);
        return;
      }
      if (this.lingerMs > 0) {
        // The queue collects what arrives while this one lingers, then while each send is in flight.
        this.queues.set(key, [entry]);
        setTimeout(() => void this.flush(key, this.queues.get(key)?.splice(0, this.maxBatch) ?? []), this.lingerMs);
        return;
      }
      // Nothing in flight for this key: this item goes now; the queue collects what arrives meanwhile.
      this.queues.set(key, []);
      void this.flush(key, [entry]);
    });
  }

  private async flush(key: string, first: Array<Waiting<T, R>>): Promise<void> {
    for (let batch = first; batch.length > 0; batch = await this.nextBatch(key)) {
      try {
        const result = await this.send(
          key,
          batch.map((entry) => entry.item),
        );
        for (const entry of batch) entry.resolve(result);
      } catch (err) {
        for (const entry of batch) entry.reject(err);
      }
    }
    this.queues.delete(key);
  }

  /** What waited for the last send; with a linger, what else arrives meanwhile too (items arriving one by one). */
  private async nextBatch(key: string): Promise<Array<Waiting<T, R>>> {
    if (this.lingerMs > 0 && (this.queues.get(key)?.length ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
    }
    return this.queues.get(key)?.splice(0, this.maxBatch) ?? [];
  }
}

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}
