// What `npm start` (src/bin/start.ts) runs: the whole system on one machine — Temporal dev server + UI, PostgreSQL,
// one worker, the intake API — stopped in the reverse order on Ctrl-C.
import { join } from 'node:path';
import { isSet, loadConfig } from '../config.js';
import { startEmbeddedPostgres, type PostgresServer } from '../db/embedded-postgres.js';
import { ensureDevApiKey } from '../auth/dev-key.js';
import { migrate } from '../db/migrate.js';
import { createPool, createWorkerPool, endPool } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { startApiRole, startWorkerRole } from '../roles.js';
import { Keyring } from '../crypto/keyring.js';
import { startCodecServer } from '../temporal/codec-server.js';
import { devCodecToken, devPayloadKeys, devSecretKeys } from '../startup/dev-secrets.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { startTemporal } from '../temporal/server.js';
import { preflight } from '../startup/preflight.js';
import { exitOnError, stopOnSignals } from './shutdown.js';
import { isSupervised } from './supervise.js';

async function main() {
  // One machine, one developer: endpoints may reach this machine's own receivers unless told otherwise.
  const checked = await preflight(loadConfig({ ENDPOINT_ALLOWED_HOSTS: 'localhost,127.0.0.1,::1', ...process.env }));
  const { dataDir, ports, leftovers } = checked;
  // Unset, keys made on the first start and kept beside the data they seal (and the codec server's token).
  const config = {
    ...checked.config,
    SECRET_KEYS: checked.config.SECRET_KEYS ?? devSecretKeys(dataDir),
    PAYLOAD_KEYS: checked.config.PAYLOAD_KEYS ?? devPayloadKeys(dataDir),
    CODEC_TOKEN: checked.config.CODEC_TOKEN ?? devCodecToken(dataDir),
  };
  const logger = createLogger(config.LOG_LEVEL);
  if (leftovers.length > 0) logger.warn({ pids: leftovers }, 'stopped the servers a killed start left running');
  await installTemporalRuntime(logger);

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => logger.error({ err }, 'stop failed'));
  };
  stopOnSignals(logger, stopAll, { supervised: isSupervised() });

  try {
    const postgres: PostgresServer = config.DATABASE_URL
      ? { url: config.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} }
      : await startEmbeddedPostgres({
          dataDir: join(dataDir, 'postgres'),
          port: config.EMBEDDED_PG_PORT,
          database: 'bookbell',
          logger,
          durability: config.STORAGE_DURABILITY,
        });
    stops.push(postgres.stop);

    // The dev server's UI decodes through it: the token is the endpoint's first path segment (the UI cannot send one).
    const uiOrigins = [`http://127.0.0.1:${config.TEMPORAL_UI_PORT}`, `http://localhost:${config.TEMPORAL_UI_PORT}`];
    const codec = await startCodecServer({
      host: '127.0.0.1',
      port: config.CODEC_PORT,
      keyring: new Keyring(config.PAYLOAD_KEYS),
      token: config.CODEC_TOKEN,
      corsOrigins: [...uiOrigins, ...config.CODEC_CORS_ORIGINS, ...originOf(config.TEMPORAL_UI_URL)],
      logger,
    });
    stops.push(codec.stop);

    const temporal = await startTemporal({
      address: config.TEMPORAL_ADDRESS,
      cli: config.TEMPORAL_CLI,
      namespace: config.TEMPORAL_NAMESPACE,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFilename: join(dataDir, 'temporal.sqlite'),
      uiCodecEndpoint: `${codec.url}/${config.CODEC_TOKEN}`,
      durability: config.STORAGE_DURABILITY,
    });
    stops.push(temporal.stop);

    const pool = createPool(postgres.url, logger, config.DATABASE_POOL_SIZE);
    stops.push(() => endPool(pool));
    await migrate(pool);
    const apiKey = await ensureDevApiKey(pool, dataDir);

    // The worker's statements are planned once per connection (createWorkerPool), the API's for their values.
    const workerPool = createWorkerPool(postgres.url, logger, config.DATABASE_POOL_SIZE);
    stops.push(() => endPool(workerPool));
    const worker = await startWorkerRole({ config, temporalAddress: temporal.address, pool: workerPool, logger });
    stops.push(worker.stop);
    const api = await startApiRole({
      config: { ...config, TEMPORAL_UI_URL: config.TEMPORAL_UI_URL ?? temporal.uiUrl },
      temporalAddress: temporal.address,
      pool,
      logger,
    });
    stops.push(api.stop);

    console.log(
      [
        '',
        'bookbell is running.',
        `API: ${api.url}`,
        `Console: ${api.url}/console/ (sign in with the API key)`,
        `API key: ${apiKey}`,
        `Temporal UI: ${temporal.uiUrl ?? `(external cluster ${temporal.address}: use its own UI)`}`,
        `Temporal: ${temporal.address}, namespace ${temporal.namespace} (${temporal.source})`,
        `Codec server: ${codec.url} (payloads are encrypted in Temporal; its UI decodes them here; the key and token ` +
          `are kept in ${dataDir}, see docs/security.md)`,
        `PostgreSQL: ${postgres.source}`,
        `Ports: ${Object.entries(ports)
          .map(([name, port]) => `${name}=${port}`)
          .join(' ')} (unset ones are kept in ${join(dataDir, 'ports.json')})`,
        `Signing secrets sealed with: ${isSet('SECRET_KEYS') ? 'SECRET_KEYS' : `the development key in ${join(dataDir, 'secret-keys')}`}`,
        `Endpoints may reach these non-public destinations too: ${config.ENDPOINT_ALLOWED_HOSTS.join(', ') || 'none'} (ENDPOINT_ALLOWED_HOSTS)`,
        '',
        'Create a book and read it back (more: README, "Try it"; more keys: npm run keys -- create --tenant <name>):',
        `  curl -s -X POST ${api.url}/v1/books -H 'authorization: Bearer ${apiKey}' -H 'content-type: application/json' -d '{"name":"Q3 statements"}'`,
        `  curl -s ${api.url}/v1/books/<book_uuid> -H 'authorization: Bearer ${apiKey}'`,
        'List the workflows: npm run temporal -- workflow list --address ' + temporal.address,
        'Ctrl-C stops everything; data stays in ' + dataDir + '.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function originOf(url: string | undefined): string[] {
  return url ? [new URL(url).origin] : [];
}

main().catch(exitOnError);
