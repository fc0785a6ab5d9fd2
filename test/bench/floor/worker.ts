// The floor's worker process: the same SDK runtime and worker options as `npm run worker` (WORKER_TUNING), with the
// floor's workflow and its one activity instead of bookbell's. TEMPORAL_ADDRESS and TEMPORAL_TASK_QUEUE say where.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Agent } from 'undici';
import { exitOnError, stopOnSignals } from '../../../src/bin/shutdown.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { installTemporalRuntime } from '../../../src/temporal/runtime.js';
import { WORKER_TUNING } from '../../../src/temporal/worker.js';
import { createFloorActivities } from './activities.js';

async function main() {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS: required for the floor worker');
  const logger = createLogger(config.LOG_LEVEL, 'bookbell-floor-worker');
  await installTemporalRuntime(logger);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const worker = await Worker.create({
    ...WORKER_TUNING,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: createFloorActivities(agent),
  });
  const running = worker.run();
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  stopOnSignals(logger, async () => {
    worker.shutdown();
    await running;
    await agent.close();
    await connection.close();
  });
  await running;
}

main().catch(exitOnError);
