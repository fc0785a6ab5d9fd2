// bookbell as the throughput part's phases run it (the burst, the idle latency): a tenant and task queue of its own,
// `npm run worker` and `npm run api` as processes of their own, and one endpoint subscribed to the book's events at a
// receiver that checks every signature.
import { randomUUID } from 'node:crypto';
import { createApiKey } from '../../src/db/api-keys.js';
import { crmClient } from './crm-client.js';
import { expectStatus, type BenchInfra, type Call } from './harness.js';
import { startApiProcess, startWorkerProcess, type RoleProcess } from './processes.js';
import { BenchReceiver } from './receiver.js';

export interface BookbellRoles {
  tenantId: string;
  taskQueue: string;
  worker: RoleProcess;
  api: RoleProcess & { url: string };
  call: Call;
  receiver: BenchReceiver;
  endpointId: string;
  stop: () => Promise<void>;
}

/** A receiver listening and an endpoint of the caller's tenant delivering the book events to it, signed. */
export async function subscribedReceiver(call: Call): Promise<{ receiver: BenchReceiver; endpointId: string }> {
  const receiver = new BenchReceiver();
  await receiver.listen();
  try {
    return { receiver, endpointId: await subscribe(call, receiver) };
  } catch (err) {
    await receiver.close();
    throw err;
  }
}

/**
 * Subscribes an endpoint of the caller's tenant to the book events at `receiver`, signing with the secret the receiver
 * checks (or, when it checks none yet, making it check the new endpoint's). Returns the endpoint's id.
 */
export async function subscribe(call: Call, receiver: BenchReceiver): Promise<string> {
  const endpoint = await expectStatus(
    call('POST', '/v1/endpoints', {
      url: receiver.url,
      events: ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'],
      ...(receiver.secret ? { secret: receiver.secret } : {}),
    }),
    201,
  );
  receiver.secret = endpoint.secret as string;
  return endpoint.id as string;
}

/** Starts the roles for tenant `<name>-<random>` on `infra`; `stop()` stops them and the receiver. */
export async function startBookbellRoles(infra: BenchInfra, name: string): Promise<BookbellRoles> {
  const tenantId = `${name}-${randomUUID().slice(0, 8)}`;
  const taskQueue = `bookbell-${tenantId}`;
  const env = infra.roleEnv(taskQueue);
  // Each process is also stopped at exit if a start fails (spawnRole registers it).
  const [worker, api] = await Promise.all([startWorkerProcess(env), startApiProcess(env)]);
  const stopRoles = async () => {
    await api.stop();
    await worker.stop();
  };
  try {
    const { key } = await createApiKey(infra.pool, tenantId, 'bench');
    const call: Call = crmClient(api.url, key);
    const { receiver, endpointId } = await subscribedReceiver(call);
    return {
      tenantId,
      taskQueue,
      worker,
      api,
      call,
      receiver,
      endpointId,
      stop: async () => {
        await stopRoles();
        await receiver.close();
      },
    };
  } catch (err) {
    await stopRoles();
    throw err;
  }
}
