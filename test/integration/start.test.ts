import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { embeddedDatabaseUrl } from '../../src/db/embedded-postgres.js';
import { eventually, request } from '../support/http.js';
import { freePorts, startLikeNpmStart, stopStarted, type Started } from '../support/npm-start.js';
import { startReceiver } from '../support/receiver.js';

const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-start-'));
// Embedded PostgreSQL runs as its own user when we are root: it must be able to enter the folder.
chmodSync(dataDir, 0o755);
const children: ChildProcess[] = [];

/** The bytes the Temporal server holds of a workflow's history, read without bookbell's codec. */
async function storedInput(address: string, workflowId: string): Promise<Buffer> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
  } finally {
    await connection.close();
  }
}

async function start(env: NodeJS.ProcessEnv): Promise<Started> {
  const started = await startLikeNpmStart(env);
  children.push(started.child);
  return started;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs the whole system, prints both URLs, stops cleanly and finds the same books after a restart', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(await freePorts()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // With DATABASE_URL given to the test run, use the run's fresh database rather than the user's.
      ...(process.env.DATABASE_URL ? { DATABASE_URL: inject('databaseUrl') } : {}),
    };
    const first = await start(env);
    expect(first.api).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(first.ui).toBe(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
    expect(first.output()).toContain(`curl -s -X POST ${first.api}/v1/books`);
    const ui = await eventually(() => fetch(first.ui));
    expect(ui.status).toBe(200);

    expect(first.key).toMatch(/^bb_[0-9A-Za-z]{32}$/);
    const auth = { authorization: `Bearer ${first.key}` };
    expect((await request(first.api, 'GET', '/v1/books')).status).toBe(401);
    const bookUuid = randomUUID();
    const created = await request(
      first.api,
      'POST',
      '/v1/books',
      { book_uuid: bookUuid, name: 'Survives restarts' },
      auth,
    );
    expect(created.status).toBe(201);
    await eventually(async () =>
      expect((await request(first.api, 'GET', `/v1/books/${bookUuid}`, undefined, auth)).body.status).toBe('UPLOAD'),
    );
    // Crash-safe stores by default: PostgreSQL syncs every commit to disk (STORAGE_DURABILITY=safe).
    if (!process.env.DATABASE_URL) {
      const db = new pg.Client({ connectionString: embeddedDatabaseUrl(Number(env.EMBEDDED_PG_PORT), 'bookbell') });
      await db.connect();
      const settings = await db.query(
        `select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes')`,
      );
      await db.end();
      expect(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]))).toEqual({
        fsync: 'on',
        synchronous_commit: 'on',
        full_page_writes: 'on',
      });
    }
    // One /metrics for the one process: bookbell's own metrics and the worker's Temporal SDK metrics.
    const metrics = await (await fetch(`${first.api}/metrics`)).text();
    expect(metrics).toMatch(
      /^bookbell_http_request_duration_seconds_count\{method="POST",route="\/v1\/books",status="201"\} 1$/m,
    );
    expect(metrics).toMatch(/^temporal_\w+\{.*task_queue="bookbell"/m);
    // The console it announces is served, linking workflows to the dev server's UI.
    const consoleUrl = /^Console: (\S+)/m.exec(first.output())?.[1];
    expect(consoleUrl).toBe(`${first.api}/console/`);
    const page = await fetch(consoleUrl as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(first.ui.replace(/\/$/, ''));
    // The book's workflow is stored encrypted under the key made on this first start, kept in DATA_DIR and never
    // printed; the dev server's UI decodes through the codec server, with the token kept beside it.
    const payloadKeys = readFileSync(join(dataDir, 'payload-keys'), 'utf8').trim();
    const codecToken = readFileSync(join(dataDir, 'codec-token'), 'utf8').trim();
    expect(statSync(join(dataDir, 'payload-keys')).mode & 0o777).toBe(0o600);
    expect(first.output()).not.toContain(payloadKeys.split(':')[1]);
    expect(first.output()).not.toContain(codecToken);
    const codecUrl = `http://127.0.0.1:${env.CODEC_PORT}`;
    expect(first.output()).toContain(`Codec server: ${codecUrl} `);
    const settings = await (await fetch(`${first.ui}/api/v1/settings`)).text();
    expect(settings).toContain(`${codecUrl}/${codecToken}`);
    const stored = await storedInput(`127.0.0.1:${env.TEMPORAL_PORT}`, `book:dev:${bookUuid}`);
    expect(stored.toString()).not.toContain('Survives restarts');
    // Signing secrets are sealed with a development key made on the first start and kept in the data folder.
    expect(first.output()).toContain(
      `Signing secrets sealed with: the development key in ${join(dataDir, 'secret-keys')}`,
    );
    const devKey = readFileSync(join(dataDir, 'secret-keys'), 'utf8');
    expect(statSync(join(dataDir, 'secret-keys')).mode & 0o777).toBe(0o600);
    let secret = '';
    const receiver = await startReceiver((req) => {
      try {
        new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
        return { status: 200 };
      } catch {
        return { status: 401 };
      }
    });
    const endpoint = await request(
      first.api,
      'POST',
      '/v1/endpoints',
      { url: receiver.url, events: ['BOOK_COMPLETE'] },
      auth,
    );
    expect(endpoint.status).toBe(201);
    secret = endpoint.body.secret;
    // An open book stream ends with the process: SIGTERM must not wait for it.
    const stream = await fetch(`${first.api}/v1/books/${bookUuid}/stream`, { headers: auth });
    expect(stream.status).toBe(200);
    expect(await stopStarted(first)).toBe(0);

    const second = await start(env);
    expect(second.key).toBe(first.key);
    expect(readFileSync(join(dataDir, 'payload-keys'), 'utf8').trim()).toBe(payloadKeys);
    const read = await request(second.api, 'GET', `/v1/books/${bookUuid}`, undefined, auth);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ book_uuid: bookUuid, name: 'Survives restarts', status: 'UPLOAD' });
    // The same key again: the secret sealed before the restart still signs.
    expect(readFileSync(join(dataDir, 'secret-keys'), 'utf8')).toBe(devKey);
    const test = await request(second.api, 'POST', `/v1/endpoints/${endpoint.body.id}/test`, undefined, auth);
    expect(test.body).toMatchObject({ delivered: true, status_code: 200 });
    await receiver.close();
    expect(await stopStarted(second)).toBe(0);
    await expect(fetch(second.api)).rejects.toThrow();
  }, 240_000);
});
