/**
 * Runs at most `limit` tasks at a time per key, the rest in arrival order. The API uses it per book: Temporal admits
 * only a few in-flight updates per workflow (10 by default) and answers the rest with RESOURCE_EXHAUSTED, so a burst
 * of uploads to one book queues here instead of retrying against the server.
 */
export class KeyedLimiter {
  private readonly lanes = new Map<string, { running: number; waiting: Array<() => void> }>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      this.lanes.set(key, lane);
    }
    if (lane.running >= this.limit) await new Promise<void>((resolve) => lane.waiting.push(resolve));
    lane.running += 1;
    try {
      return await task();
    } finally {
      lane.running -= 1;
      const next = lane.waiting.shift();
      if (next) next();
      else if (lane.running === 0) this.lanes.delete(key);
    }
  }
}
