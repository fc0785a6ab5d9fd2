// The throughput part's third phase, "plain signed POSTs": the burst's 1,000 events delivered with nothing of bookbell
// but its body builder, its signing and its sender (test/bench/plain-posts-sender.ts, a process of its own), to the
// same receiver checking every signature: no Temporal, no database. bookbell's events/s over this one says what the
// durable pipeline costs against delivering the same bodies at the least.
import { generateSecret } from '../../src/delivery/secrets.js';
import type { Deadline } from './deadline.js';
import { BURST_BOOKS, BURST_CONCURRENCY, EVENTS_PER_BOOK } from './burst.js';
import { spawnRole } from './processes.js';
import { BenchReceiver } from './receiver.js';

export interface PlainPosts {
  delivered: number;
  /** From the start signal to the last arrival. */
  seconds: number;
  perSecond: number;
  /** CPU seconds in the burst: the sender process, and this one (the receiver). */
  cpu: { sender: number; driver: number };
}

const driverCpuSeconds = () => ((usage) => (usage.user + usage.system) / 1e6)(process.cpuUsage());

export async function plainPostsPhase(stage: string, deadline: Deadline): Promise<PlainPosts> {
  const receiver = new BenchReceiver();
  await receiver.listen();
  const secret = generateSecret('standard');
  receiver.secret = secret;
  const sender = spawnRole('test/bench/plain-posts-sender.ts', {
    PLAIN_URL: receiver.url,
    PLAIN_SECRET: secret,
    PLAIN_BOOKS: String(BURST_BOOKS),
    PLAIN_CONCURRENCY: String(BURST_CONCURRENCY),
  });
  try {
    await sender.waitFor(/"msg":"plain sender ready"/);
    const expected = BURST_BOOKS * EVENTS_PER_BOOK;
    const driverBefore = driverCpuSeconds();
    const startedAt = performance.now();
    sender.child.kill('SIGUSR1');
    // The receiver records each arrival before it answers: once the sender has every answer, every arrival is in.
    const done = await sender.waitFor(/"msg":"plain sender done"/, deadline.left());
    const driver = driverCpuSeconds() - driverBefore;
    // The sender measures its own CPU time, from the start signal to its last answer (it exits then).
    const { failed, cpuSeconds } = JSON.parse(done) as { failed: string[]; cpuSeconds: number };
    if (failed.length > 0) throw new Error(`${stage}: POSTs not delivered, e.g. ${failed.join('; ')}`);
    if (receiver.forged > 0) throw new Error(`${stage}: ${receiver.forged} POSTs failed the signature check`);
    const ids = new Set(receiver.arrivals.map((arrival) => arrival.endpointId));
    if (ids.size !== expected || receiver.arrivals.length !== expected) {
      throw new Error(`${stage}: ${receiver.arrivals.length} arrivals of ${ids.size} events; expected ${expected}`);
    }
    const lastArrival = Math.max(...receiver.arrivals.map((arrival) => arrival.at));
    const seconds = (lastArrival - startedAt) / 1000;
    console.log(`[${stage}] ${ids.size} signed POSTs arrived, every signature valid`);
    return { delivered: ids.size, seconds, perSecond: ids.size / seconds, cpu: { sender: cpuSeconds, driver } };
  } finally {
    await sender.stop();
    await receiver.close();
  }
}
