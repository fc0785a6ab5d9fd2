import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { recordBookChanges, type RecordBookChangesInput } from '../../activities/record-book-changes.js';
import { crm } from '../support/books.js';
import { freePort } from '../support/free-port.js';
import { eventually, request } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { spawnWorkerProcess } from '../support/worker-process.js';

// Short retries so a refused first attempt is retried at once; receivers are on loopback.
const env = {
  DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms,300ms',
  DELIVERY_WINDOW: '60s',
  ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
};
const EVENT_TYPES = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition; a line that is neither a comment nor a sample fails the test. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line)?.[1];
    if (type) {
      expect(typed.has(type), `${type} declared twice`).toBe(false);
      typed.add(type);
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!match) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]!] = label[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** A scrape, with the sum of the samples of `name` whose labels include `labels`. */
async function scrape(url: string, token?: string) {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const samples = parseExposition(text);
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([key, v]) => s.labels[key] === v))
      .reduce((sum, s) => sum + s.value, 0);
  return { text, samples, value };
}
type Scrape = Awaited<ReturnType<typeof scrape>>;

/** How much `name{labels}` grew between two scrapes (the registry is the test process's, shared by its tests). */
const grew = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) =>
  after.value(name, labels) - before.value(name, labels);

async function setup(options: { inProcessWorker?: boolean } = {}) {
  const system: TestSystem = await startTestSystem(env);
  cleanups.push(system.stop);
  if (options.inProcessWorker === false) await system.stopWorker();
  const api = crm(system);
  const receiver = async (reply?: Parameters<typeof startReceiver>[0]) => {
    const started = await startReceiver(reply);
    cleanups.push(started.close);
    const registered = await api.call('POST', '/v1/endpoints', { url: started.url, events: EVENT_TYPES });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    return started;
  };
  /** A one-document book, verified and sealed. */
  const runBook = async () => {
    const bookUuid = await api.createBook({ name: 'Metrics book' });
    await api.verify(bookUuid, await api.upload(bookUuid), 'SUCCEEDED');
    await api.seal(bookUuid);
    return bookUuid;
  };
  return { system, api, receiver, runBook };
}

describe('GET /metrics', () => {
  it('counts requests by route template, each event once, and deliveries with their latency', async () => {
    const { system, api, receiver, runBook } = await setup();
    const metricsUrl = `${system.apiUrl}/metrics`;
    const before = await scrape(metricsUrl); // no API key needed
    // The receiver refuses its first request: one retried attempt, then every event delivered.
    const inbox = await receiver((_request, index) => ({ status: index === 0 ? 503 : 200 }));
    const bookUuid = await runBook();
    expect((await request(system.apiUrl, 'GET', `/v1/books/${bookUuid}`)).status).toBe(401);
    expect((await request(system.apiUrl, 'GET', `/no/such/${bookUuid}`)).status).toBe(404);
    await api.finished(bookUuid);

    const after = await eventually(async () => {
      const scraped = await scrape(metricsUrl);
      expect(grew(before, scraped, 'bookbell_deliveries_total', { outcome: 'delivered' })).toBe(3);
      return scraped;
    });
    expect(new Set(inbox.requests.map((r) => r.headers['webhook-id'])).size).toBe(3);

    const requests = (method: string, route: string, status: number) =>
      grew(before, after, 'bookbell_http_request_duration_seconds_count', { method, route, status: String(status) });
    expect(requests('POST', '/v1/endpoints', 201)).toBe(1);
    expect(requests('POST', '/v1/books', 201)).toBe(1);
    expect(requests('POST', '/v1/books/:book_uuid/documents', 202)).toBe(1);
    expect(requests('POST', '/v1/books/:book_uuid/documents/:doc_uuid/verification', 202)).toBe(1);
    expect(requests('POST', '/v1/books/:book_uuid/seal', 202)).toBe(1);
    expect(requests('GET', '/v1/books/:book_uuid', 200)).toBeGreaterThanOrEqual(1);
    // Refused before routing, still named by the route it was for; an unknown path gets one fixed label.
    expect(requests('GET', '/v1/books/:book_uuid', 401)).toBe(1);
    expect(requests('GET', 'unmatched', 404)).toBe(1);
    expect(requests('GET', '/metrics', 200)).toBeGreaterThanOrEqual(1);
    const seal = { method: 'POST', route: '/v1/books/:book_uuid/seal', status: '202' };
    expect(grew(before, after, 'bookbell_http_request_duration_seconds_bucket', { ...seal, le: '+Inf' })).toBe(1);
    // Ids and tenants never become label values.
    expect(after.text).not.toContain(bookUuid);
    expect(after.text).not.toContain(system.tenantId);

    for (const type of EVENT_TYPES) expect(grew(before, after, 'bookbell_events_emitted_total', { type })).toBe(1);

    const attempts = (outcome: string) =>
      grew(before, after, 'bookbell_delivery_attempts_total', { channel: 'url', outcome });
    expect(attempts('retry')).toBe(1);
    expect(attempts('delivered')).toBe(3);
    expect(grew(before, after, 'bookbell_deliveries_total', { outcome: 'failed' })).toBe(0);
    const endpoint = { channel: 'url' };
    expect(grew(before, after, 'bookbell_delivery_attempt_duration_seconds_count', endpoint)).toBe(4);
    expect(grew(before, after, 'bookbell_delivery_latency_seconds_count', endpoint)).toBe(3);
    expect(grew(before, after, 'bookbell_delivery_latency_seconds_sum', endpoint)).toBeGreaterThan(0);
    expect(grew(before, after, 'bookbell_delivery_latency_seconds_bucket', { ...endpoint, le: '+Inf' })).toBe(3);

    // Node's own process metrics, under their usual names.
    expect(after.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts nothing twice when the recording of events is retried', async () => {
    const { system, api, runBook } = await setup();
    const before = await scrape(`${system.apiUrl}/metrics`);
    const bookUuid = await runBook();
    await api.finished(bookUuid);
    const recorded = await scrape(`${system.apiUrl}/metrics`);
    for (const type of EVENT_TYPES) expect(grew(before, recorded, 'bookbell_events_emitted_total', { type })).toBe(1);

    // Record every event of the book again, as a retry of its recording (a local activity: its input is not in the
    // history) would: the same event ids, the book as it stands.
    const book = await api.get(bookUuid);
    const { body: events } = await api.call('GET', `/v1/books/${bookUuid}/events`);
    const inputs: RecordBookChangesInput[] = events.data.map((event: any) => ({
      tenantId: system.tenantId,
      bookUuid,
      status: book.status,
      counts: book.document_counts,
      events: [
        {
          eventId: event.event_id,
          type: event.event_name,
          occurredAt: event.occurred_at,
          ...(event.doc_uuid ? { docUuid: event.doc_uuid, result: event.payload.result } : {}),
          bookStatus: book.status,
          counts: book.document_counts,
        },
      ],
    }));
    expect(inputs.flatMap((input) => input.events.map((event) => event.type)).sort()).toEqual([...EVENT_TYPES].sort());
    const record = recordBookChanges({ pool: system.pool, temporal: system.client, taskQueue: system.taskQueue });
    for (const input of inputs) await record(input);

    const retried = await scrape(`${system.apiUrl}/metrics`);
    for (const type of EVENT_TYPES) expect(grew(recorded, retried, 'bookbell_events_emitted_total', { type })).toBe(0);
  });

  it('is served by `npm run worker` on METRICS_PORT, with the Temporal SDK metrics of the worker, to METRICS_TOKEN', async () => {
    const { system, api, receiver, runBook } = await setup({ inProcessWorker: false });
    const metricsPort = await freePort();
    const token = 'scraper-token-0123456789';
    const child = spawnWorkerProcess({
      ...env,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: token,
    });
    children.push(child);
    const inbox = await receiver();
    const bookUuid = await runBook();
    await api.finished(bookUuid);
    await eventually(() => expect(inbox.requests).toHaveLength(3));

    const worker = await eventually(async () => {
      const scraped = await scrape(`http://127.0.0.1:${metricsPort}/metrics`, token);
      expect(scraped.value('bookbell_deliveries_total', { outcome: 'delivered' })).toBe(3);
      return scraped;
    });
    for (const type of EVENT_TYPES) expect(worker.value('bookbell_events_emitted_total', { type })).toBe(1);
    expect(worker.value('bookbell_delivery_latency_seconds_count', { channel: 'url' })).toBe(3);
    expect(worker.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // The SDK core's own metrics of this worker: polls, task latencies, slots.
    const temporal = worker.samples.filter((sample) => sample.name.startsWith('temporal_'));
    expect(temporal.length).toBeGreaterThan(0);
    expect(temporal.some((sample) => sample.labels.task_queue === system.taskQueue)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    // Without the token, or with another one: 401, and not a number of what it measures.
    for (const headers of [
      {},
      { authorization: 'Bearer scraper-token-0123456788' },
      { authorization: token },
    ] as Record<string, string>[]) {
      const refused = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await refused.text()).not.toContain('bookbell_');
    }

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
