import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring, KeyringSchema } from '../../src/crypto/keyring.js';
import { createLogger } from '../../src/logger.js';
import { startCodecServer } from '../../src/temporal/codec-server.js';
import { startTemporal, type TemporalServer } from '../../src/temporal/server.js';
import { launchChromium, see } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { TEST_PAYLOAD_KEYS, testDataConverter } from '../support/payload-keys.js';

const { History } = proto.temporal.api.history.v1;

// What `npm start` wires: a dev server whose UI decodes through the codec server (`--ui-codec-endpoint`), seen in
// real chromium. The run's own dev server has no UI, so this file starts one.
describe('the Temporal UI with the codec server', () => {
  let temporal: TemporalServer;
  let codec: Awaited<ReturnType<typeof startCodecServer>>;
  let connection: Connection;
  let browser: Browser;

  beforeAll(async () => {
    const uiPort = await freePort();
    const token = randomBytes(32).toString('base64url');
    codec = await startCodecServer({
      host: '127.0.0.1',
      port: 0,
      keyring: new Keyring(KeyringSchema.parse(TEST_PAYLOAD_KEYS)),
      token,
      corsOrigins: [`http://127.0.0.1:${uiPort}`],
      logger: createLogger('silent'),
    });
    [temporal, browser] = await Promise.all([
      startTemporal({
        cli: process.env.TEMPORAL_CLI,
        namespace: 'default',
        uiPort,
        uiCodecEndpoint: `${codec.url}/${token}`,
      }),
      launchChromium(),
    ]);
    connection = await Connection.connect({ address: temporal.address });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await connection?.close();
    await temporal?.stop();
    await codec?.stop();
  });

  it("shows an operator a workflow's input decoded, though the server holds it encrypted", async () => {
    const marker = `marker${randomUUID().replaceAll('-', '')}`;
    const workflowId = `codec-ui-${randomUUID()}`;
    const client = new Client({ connection, dataConverter: testDataConverter() });
    // No worker polls this queue: the input stays in the started event, as stored.
    const handle = await client.workflow.start('bookWorkflow', {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId,
      args: [{ name: marker }],
    });
    const stored = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    expect(Buffer.from(History.encode(stored).finish()).includes(marker)).toBe(false);

    const page = await browser.newPage();
    try {
      await page.goto(
        `${temporal.uiUrl}/namespaces/default/workflows/${workflowId}/${handle.firstExecutionRunId}/history`,
      );
      await see(page.getByText(marker), 30_000);
    } finally {
      await page.close();
    }
  });
});
