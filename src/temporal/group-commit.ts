/** How a group commit batches: see GroupCommit. */
export interface GroupCommitOptions {
  /** The most items in one send. */
  maxBatch?: number;
  /**
   * Each batch waits this long for more items before it goes (0: an item that finds nothing in flight for its key goes
   * at once). Only for items nobody waits on to answer a request.
   */
  lingerMs?: number;
  /** The most sends in flight at once, over every key; a batch waiting for its turn takes what arrives meanwhile. */
  maxInFlight?: number;
}

/**
 * Group commit per key: `send` is called with one item at once when nothing is in flight for its key; items that
 * arrive while a send for their key is in flight wait for it, then go together in the next send (at most `maxBatch`).
 * Every caller learns the outcome of the send that carried its item. Uncontended items are never delayed (unless
 * told to linger); under a burst, many items cost one send.
 */
export class GroupCommit<T, R> {
  private readonly queues = new Map<string, Array<Waiting<T, R>>>();
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Batches waiting for a send's turn (maxInFlight): each is handed the turn of a send that ends, hurried first. */
  private readonly waitingForTurn: Array<{ key: string; take: () => void }> = [];
  /** Keys told to hurry (see `hurry`), and how to end the linger under way for a key. */
  private readonly hurried = new Set<string>();
  private readonly lingering = new Map<string, () => void>();

  constructor(
    private readonly send: (key: string, items: T[]) => Promise<R>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.lingerMs = options.lingerMs ?? 0;
    this.maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  }

  /** Sends `item` with whatever else is waiting for `key`; resolves with that send's result. */
  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry = { item, resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(entry);
        return;
      }
      // Nothing queued or in flight for this key: the queue collects what arrives while it lingers and sends.
      this.queues.set(key, [entry]);
      void this.drain(key);
    });
  }

  /**
   * Ends the linger of what is queued for `key`, now and until its queue is empty, and puts its batch first in line
   * for a send's turn: someone waits for it.
   */
  hurry(key: string): void {
    if (!this.queues.has(key)) return;
    this.hurried.add(key);
    this.lingering.get(key)?.();
    const waiting = this.waitingForTurn.findIndex((entry) => entry.key === key);
    if (waiting >= 0) this.lineUp(this.waitingForTurn.splice(waiting, 1)[0]);
  }

  private linger(key: string): Promise<void> {
    if (this.lingerMs <= 0 || this.hurried.has(key)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.lingering.delete(key);
        resolve();
      };
      const timer = setTimeout(done, this.lingerMs);
      this.lingering.set(key, done);
    });
  }

  /** Waits for a send's turn. */
  private turn(key: string): Promise<void> {
    return new Promise<void>((take) => this.lineUp({ key, take }));
  }

  /** Puts a batch in line for a send's turn: a hurried key's after the hurried ones before it, others last. */
  private lineUp(entry: { key: string; take: () => void } | undefined): void {
    if (!entry) return;
    const firstUnhurried = this.waitingForTurn.findIndex((waiting) => !this.hurried.has(waiting.key));
    if (!this.hurried.has(entry.key) || firstUnhurried < 0) this.waitingForTurn.push(entry);
    else this.waitingForTurn.splice(firstUnhurried, 0, entry);
  }

  /** Sends the key's queue batch by batch until nothing is left; without linger or cap, the first send is synchronous. */
  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key) ?? [];
    while (queue.length > 0) {
      if (this.lingerMs > 0) await this.linger(key);
      if (this.inFlight < this.maxInFlight) this.inFlight += 1;
      else await this.turn(key);
      const batch = queue.splice(0, this.maxBatch);
      try {
        const result = await this.send(
          key,
          batch.map((entry) => entry.item),
        );
        for (const entry of batch) entry.resolve(result);
      } catch (err) {
        for (const entry of batch) entry.reject(err);
      } finally {
        const next = this.waitingForTurn.shift();
        if (next) next.take();
        else this.inFlight -= 1;
      }
    }
    this.queues.delete(key);
    this.hurried.delete(key);
  }
}

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}
