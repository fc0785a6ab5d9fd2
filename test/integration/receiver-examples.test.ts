import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders } from '../../src/delivery/signing.js';
import { fromRoot } from '../../src/paths.js';
import { crm } from '../support/books.js';
import { eventually } from '../support/http.js';
import { startReceiverProcess, type ReceiverProcess } from '../support/receiver-process.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

// The receivers in examples/receivers/ are documentation: each runs here as its own process, as a reader would run
// it, against real deliveries from a real bookbell.
type Scheme = 'standard' | 'ocrolus';
const ALL_EVENTS = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'];

let system: TestSystem;
let api: ReturnType<typeof crm>;
/** Where pip put `standardwebhooks` for the Python example, or why that example is skipped. */
let python: { path: string } | { skip: string };

beforeAll(async () => {
  system = await startTestSystem({
    DELIVERY_RETRY_SCHEDULE: '0s,300ms,300ms',
    DELIVERY_WINDOW: '60s',
    ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
  });
  api = crm(system);
  python = await installPythonRequirements();
}, 300_000);
afterAll(async () => {
  await system?.stop();
  if (python && 'path' in python) await rm(python.path, { recursive: true, force: true });
});
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `pip install --target` of the example's requirements.txt, as its README says (PyPI is reachable here). */
async function installPythonRequirements(): Promise<{ path: string } | { skip: string }> {
  const path = await mkdtemp(join(tmpdir(), 'bookbell-py-'));
  const requirements = fromRoot('examples/receivers/python/requirements.txt');
  try {
    await promisify(execFile)(
      'python3',
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', path, '-r', requirements],
      { timeout: 240_000 },
    );
    return { path };
  } catch (err) {
    await rm(path, { recursive: true, force: true });
    return { skip: `could not pip install standardwebhooks: ${(err as Error).message.split('\n')[0]}` };
  }
}

const EXAMPLES = [
  { name: 'node:http', command: process.execPath, file: 'examples/receivers/node-http.mjs' },
  { name: 'Koa', command: process.execPath, file: 'examples/receivers/koa.mjs' },
  { name: 'Python', command: 'python3', file: 'examples/receivers/python/receiver.py' },
] as const;
type Example = (typeof EXAMPLES)[number];

/** A fresh secret of the scheme's form (bookbell takes the endpoint's secret at registration). */
const newSecret = (scheme: Scheme) =>
  scheme === 'standard' ? `whsec_${randomBytes(32).toString('base64')}` : randomBytes(24).toString('hex');

/** Runs an example with `secrets` (current, then previous) and registers it as an endpoint signed with `registered`. */
async function runExample(
  example: Example,
  scheme: Scheme,
  secrets: { current: string; previous?: string; registered: string },
  events = ALL_EVENTS,
  skip: (reason: string) => void = () => {},
) {
  const env: Record<string, string> = { WEBHOOK_SCHEME: scheme, WEBHOOK_SECRET: secrets.current };
  if (secrets.previous) env.WEBHOOK_PREVIOUS_SECRET = secrets.previous;
  if (example.name === 'Python') {
    if ('skip' in python) skip(python.skip);
    else env.PYTHONPATH = python.path;
  }
  const receiver = await startReceiverProcess(example.command, [example.file], env);
  cleanups.push(receiver.stop);
  const response = await api.call('POST', '/v1/endpoints', {
    url: receiver.url,
    events,
    signature_scheme: scheme,
    secret: secrets.registered,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const endpoint = response.body as { id: string };
  // Other tests' books must not reach this endpoint once its receiver is gone.
  cleanups.push(async () => void (await api.call('DELETE', `/v1/endpoints/${endpoint.id}`)));
  return { receiver, endpoint };
}

/** Ids the receiver accepted, in the order it printed them. */
const accepted = (receiver: ReceiverProcess) =>
  receiver.lines.flatMap((line) => /^accepted (\S+) /.exec(line)?.[1] ?? []);

/** The ids of the book's events of the given types. */
async function eventIds(bookUuid: string, types = ALL_EVENTS): Promise<string[]> {
  const events = (await api.call('GET', `/v1/books/${bookUuid}/events`)).body.data as Array<any>;
  return events.filter((event) => types.includes(event.event_name)).map((event) => event.event_id as string);
}

describe.each(EXAMPLES)('the $name receiver example', (example) => {
  it.for(['standard', 'ocrolus'] as const)(
    'verifies every event of a book signed with the %s scheme, drops a redelivery, refuses forgeries and replays',
    async (scheme, context) => {
      const secret = newSecret(scheme);
      const { receiver, endpoint } = await runExample(
        example,
        scheme,
        { current: secret, registered: secret },
        ALL_EVENTS,
        (reason) => context.skip(reason),
      );
      const bookUuid = await api.createBook({ name: `Receiver ${example.name}` });
      await api.verify(bookUuid, await api.upload(bookUuid, undefined, 'july.pdf'), 'SUCCEEDED');
      await api.seal(bookUuid);
      await api.finished(bookUuid);
      const ids = await eventIds(bookUuid);
      expect(ids).toHaveLength(3);
      await eventually(() => expect(accepted(receiver).sort()).toEqual([...ids].sort()));
      expect(receiver.lines).toContainEqual(expect.stringMatching(/^accepted \S+ VERIFICATION_COMPLETE: .*'july.pdf'/));
      expect(receiver.lines.filter((line) => line.startsWith('refused'))).toEqual([]);

      // A redelivery someone asks for carries the same id: the receiver answers 2xx and drops it.
      const deliveries = (await api.call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).body.data as any[];
      const first = deliveries.find((d) => d.event_type === 'VERIFICATION_COMPLETE');
      expect((await api.call('POST', `/v1/deliveries/${first.id}/retry`)).status).toBe(202);
      await eventually(() => expect(receiver.lines).toContain(`duplicate ${first.event_id} dropped`));
      await eventually(async () => {
        const retried = (await api.call('GET', `/v1/endpoints/${endpoint.id}/deliveries`)).body.data as any[];
        expect(retried.find((d) => d.id === first.id)).toMatchObject({ status: 'DELIVERED' });
      });
      expect(accepted(receiver)).toHaveLength(3);

      // A request signed with another secret, and a real signature over a timestamp ten minutes old: both 401.
      const body = JSON.stringify({ event_id: 'evt_forged', event_name: 'BOOK_COMPLETE', notification_reason: 'x' });
      const forged = signatureHeaders({ scheme, secret: newSecret(scheme) }, 'evt_forged', new Date(), body);
      const replayed = signatureHeaders({ scheme, secret }, 'evt_replayed', new Date(Date.now() - 600_000), body);
      for (const headers of [forged, replayed]) {
        const response = await fetch(receiver.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
        expect(response.status).toBe(401);
      }
      await eventually(() => expect(receiver.lines.filter((line) => line.startsWith('refused 401'))).toHaveLength(2));
      expect(accepted(receiver)).toHaveLength(3);
    },
  );
});

describe('rotating the secret with the node:http example', () => {
  it.each(['standard', 'ocrolus'] as const)(
    'keeps every %s delivery verified, on a receiver that switched first and on one still on the old secret',
    async (scheme) => {
      const [oldSecret, nextSecret] = [newSecret(scheme), newSecret(scheme)];
      const [node] = EXAMPLES;
      // The receiver that switched first knows both secrets; the stale one only the old.
      const switched = await runExample(
        node,
        scheme,
        { current: nextSecret, previous: oldSecret, registered: oldSecret },
        ['BOOK_COMPLETE'],
      );
      const stale = await runExample(node, scheme, { current: oldSecret, registered: oldSecret }, ['BOOK_COMPLETE']);
      const before = await api.createBook({ name: 'Before the rotation' });
      await api.seal(before);
      await api.finished(before);
      for (const { endpoint } of [switched, stale]) {
        const rotated = await api.call('POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, { secret: nextSecret });
        expect(rotated.status).toBe(200);
      }
      const after = await api.createBook({ name: 'During the grace' });
      await api.seal(after);
      await api.finished(after);
      const ids = [
        ...(await eventIds(before, ['BOOK_COMPLETE'])),
        ...(await eventIds(after, ['BOOK_COMPLETE'])),
      ].sort();
      for (const { receiver } of [switched, stale]) {
        await eventually(() => expect(accepted(receiver).sort()).toEqual(ids));
      }
      expect(switched.receiver.lines.filter((line) => line.startsWith('refused'))).toEqual([]);
      // Ocrolus has room for one signature: the stale receiver refused the new one, then took the old one.
      const staleRefusals = stale.receiver.lines.filter((line) => line.startsWith('refused 401'));
      expect(staleRefusals).toHaveLength(scheme === 'ocrolus' ? 1 : 0);
    },
  );
});
