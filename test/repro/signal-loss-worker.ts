// Worker process for test/repro/signal-loss.ts, started as `node --import tsx signal-loss-worker.ts <address>
// <taskQueue> <maxCachedWorkflows> <bundlePath>` so that the driver can SIGKILL it. Workflows come pre-bundled.
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const [address = '', taskQueue = '', cache = '100', bundlePath = ''] = process.argv.slice(2);
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    const meta = entry.meta ? ' ' + JSON.stringify(entry.meta) : '';
    process.stderr.write(`[${new Date().toISOString()}] ${entry.level} ${entry.message}${meta}\n`);
  }),
  // Forward sdk-core's own warnings/errors (e.g. "Task not found when completing") to the logger above.
  telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
});
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace: 'default',
  taskQueue,
  workflowBundle: { codePath: bundlePath },
  maxCachedWorkflows: Number(cache),
  activities: {
    async recordBatch(numbers: number[], sleepMs: number): Promise<number> {
      await sleep(sleepMs);
      return numbers.length;
    },
  },
});
process.stdout.write('READY\n');
process.on('SIGTERM', () => {
  worker.shutdown();
});
await worker.run();
await connection.close();
