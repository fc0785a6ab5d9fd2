/**
 * Group commit per key: `send` is called with one item at once when nothing is in flight for its key; items that
 * arrive while a send for their key is in flight wait for it, then go together in the next send (at most `maxBatch`).
 * Every caller learns the outcome of the send that carried its item. Uncontended items are never delayed; under a
 * burst, many items cost one send.
 */
export class GroupCommit<T, R> {
  private readonly queues = new Map<string, Array<Waiting<T, R>>>();

  constructor(
    private readonly send: (key: string, items: T[]) => Promise<R>,
    private readonly maxBatch = 100,
  ) {}

  /** Sends `item` with whatever else is waiting for `key`; resolves with that send's result. */
  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      // Nothing in flight for this key: this item goes now; the queue collects what arrives meanwhile.
      this.queues.set(key, []);
      void this.flush(key, [{ item, resolve, reject }]);
    });
  }

  private async flush(key: string, first: Array<Waiting<T, R>>): Promise<void> {
    for (let batch = first; batch.length > 0; batch = this.queues.get(key)?.splice(0, this.maxBatch) ?? []) {
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
}

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}
