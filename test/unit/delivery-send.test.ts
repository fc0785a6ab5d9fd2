import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classify, parseRetryAfter, RESPONSE_SNIPPET_BYTES, EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';

// The receivers below are on loopback, which the sender refuses unless allowed, as the tests' configuration does.
const sender = new EndpointSender(new DestinationPolicy(['127.0.0.1']));
const sendAttempt = sender.send.bind(sender);

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close: () => Promise<void>;
}

const open: Receiver[] = [];

/** A real HTTP server on 127.0.0.1 (random port) that records every request and answers with `respond`. */
async function startReceiver(respond: RequestListener): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
  open.push(receiver);
  return receiver;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((receiver) => receiver.close()));
});

const BODY = JSON.stringify({ event_name: 'VERIFICATION_COMPLETE', book_uuid: 'b-1', doc_uuid: 'd-1' });
const HEADERS = {
  'webhook-id': 'evt_1',
  'webhook-timestamp': '1795860000',
  'webhook-signature': 'v1,c2lnbmF0dXJl',
};

describe('classify', () => {
  it.each([200, 201, 202, 204, 299])('%i is delivered', (status) => {
    expect(classify(status, null)).toEqual({ kind: 'delivered', statusCode: status });
  });

  it('410 is gone', () => {
    expect(classify(410, null)).toEqual({ kind: 'gone', statusCode: 410 });
    expect(classify(410, '60')).toEqual({ kind: 'gone', statusCode: 410 });
  });

  it.each([408, 429, 500, 502, 503, 504, 599])('%i is retried', (status) => {
    expect(classify(status, null)).toEqual({ kind: 'retry', statusCode: status });
  });

  it.each([300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 413, 422])('%i is rejected', (status) => {
    expect(classify(status, null)).toEqual({ kind: 'rejected', statusCode: status });
  });

  it('takes Retry-After in seconds on a retry', () => {
    expect(classify(429, '120')).toEqual({ kind: 'retry', statusCode: 429, retryAfterMs: 120_000 });
    expect(classify(503, '0')).toEqual({ kind: 'retry', statusCode: 503, retryAfterMs: 0 });
  });

  it('takes Retry-After as an HTTP date, relative to now', () => {
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    const now = Date.parse(date) - 90_000;
    expect(classify(503, date, now)).toEqual({ kind: 'retry', statusCode: 503, retryAfterMs: 90_000 });
    expect(classify(408, date, Date.parse(date) - 1_000)).toEqual({
      kind: 'retry',
      statusCode: 408,
      retryAfterMs: 1_000,
    });
  });

  it('leaves retryAfterMs out when Retry-After is unreadable', () => {
    expect(classify(503, 'soon')).toEqual({ kind: 'retry', statusCode: 503 });
  });

  it('ignores Retry-After on answers that are not retried', () => {
    expect(classify(200, '30')).toEqual({ kind: 'delivered', statusCode: 200 });
    expect(classify(400, '30')).toEqual({ kind: 'rejected', statusCode: 400 });
  });
});

describe('parseRetryAfter', () => {
  it('reads whole seconds', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter(' 7 ')).toBe(7_000);
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('3600')).toBe(3_600_000);
  });

  it('reads an HTTP date as the time from now, never negative', () => {
    const date = 'Sun, 06 Dec 2026 08:49:37 GMT';
    expect(parseRetryAfter(date, Date.parse(date) - 45_000)).toBe(45_000);
    expect(parseRetryAfter(date, Date.parse(date))).toBe(0);
    expect(parseRetryAfter(date, Date.parse(date) + 60_000)).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('in a while')).toBeUndefined();
  });
});

describe('EndpointSender.send against real local receivers', () => {
  it('POSTs the body as JSON with the given headers, and a 200 is delivered', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('thanks');
    });

    const result = await sendAttempt(`${receiver.url}/hooks/acme?source=bookbell`, BODY, HEADERS, 5_000);

    expect(result.outcome).toEqual({ kind: 'delivered', statusCode: 200 });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.durationMs).toBeLessThan(5_000);
    expect(result.responseSnippet).toBe('thanks');

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received as [Received];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/acme?source=bookbell');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(HEADERS['webhook-id']);
    expect(request.headers['webhook-timestamp']).toBe(HEADERS['webhook-timestamp']);
    expect(request.headers['webhook-signature']).toBe(HEADERS['webhook-signature']);
    expect(request.body).toBe(BODY);
  });

  it('passes Ocrolus-style header names through', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    const result = await sendAttempt(
      receiver.url,
      BODY,
      { 'Webhook-Request-Id': 'evt_2', 'Webhook-Timestamp': '1795860000', 'Webhook-Signature': 'ab'.repeat(32) },
      5_000,
    );
    expect(result.outcome).toEqual({ kind: 'delivered', statusCode: 204 });
    const [request] = receiver.received as [Received];
    expect(request.headers['webhook-request-id']).toBe('evt_2');
    expect(request.headers['webhook-timestamp']).toBe('1795860000');
    expect(request.headers['webhook-signature']).toBe('ab'.repeat(32));
  });

  it('keeps only the first RESPONSE_SNIPPET_BYTES of a long response', async () => {
    const long = Array.from({ length: 3_000 }, (_, i) => `${i},`).join('');
    expect(long.length).toBeGreaterThan(RESPONSE_SNIPPET_BYTES);
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(long);
    });

    const result = await sendAttempt(receiver.url, BODY, HEADERS, 5_000);

    expect(result.outcome).toEqual({ kind: 'delivered', statusCode: 200 });
    expect(RESPONSE_SNIPPET_BYTES).toBe(2048);
    expect(result.responseSnippet).toHaveLength(RESPONSE_SNIPPET_BYTES);
    expect(result.responseSnippet).toBe(long.slice(0, RESPONSE_SNIPPET_BYTES));
  });

  it('does not follow a 302: the redirect target receives nothing and the attempt is rejected', async () => {
    const target = await startReceiver((_req, res) => res.writeHead(200).end('should not be reached'));
    const redirector = await startReceiver((_req, res) => {
      res.writeHead(302, { location: `${target.url}/elsewhere` });
      res.end();
    });

    const result = await sendAttempt(redirector.url, BODY, HEADERS, 5_000);

    expect(result.outcome).toEqual({ kind: 'rejected', statusCode: 302 });
    expect(redirector.received).toHaveLength(1);
    // Give a follow-up request, had one been made, time to land.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(target.received).toHaveLength(0);
  });

  it('does not follow a 307 either (which would re-POST the signed body)', async () => {
    const target = await startReceiver((_req, res) => res.writeHead(200).end());
    const redirector = await startReceiver((_req, res) => res.writeHead(307, { location: target.url }).end());

    const result = await sendAttempt(redirector.url, BODY, HEADERS, 5_000);

    expect(result.outcome).toEqual({ kind: 'rejected', statusCode: 307 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(target.received).toHaveLength(0);
  });

  it('retries when the receiver never answers within the timeout', async () => {
    const receiver = await startReceiver(() => {
      // Read the request, never answer.
    });

    const started = Date.now();
    const result = await sendAttempt(receiver.url, BODY, HEADERS, 300);
    const elapsed = Date.now() - started;

    expect(result.outcome).toEqual({ kind: 'retry' });
    expect(result.error).toMatch(/timed out/);
    expect(receiver.received).toHaveLength(1);
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('retries with a connection error when nothing listens on the port', async () => {
    const gone = await startReceiver((_req, res) => res.writeHead(200).end());
    await gone.close();

    const result = await sendAttempt(gone.url, BODY, HEADERS, 5_000);

    expect(result.outcome).toEqual({ kind: 'retry' });
    expect(result.error).toMatch(/ECONNREFUSED/);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('retries a 503 after the receiver’s Retry-After', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.end('maintenance');
    });

    const result = await sendAttempt(receiver.url, BODY, HEADERS, 5_000);

    expect(result.outcome).toEqual({ kind: 'retry', statusCode: 503, retryAfterMs: 7_000 });
    expect(result.responseSnippet).toBe('maintenance');
  });

  it('reads a Retry-After HTTP date relative to the time of the attempt', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
      res.end();
    });

    const result = await sendAttempt(receiver.url, BODY, HEADERS, 5_000);

    expect(result.outcome.kind).toBe('retry');
    expect(result.outcome).toMatchObject({ statusCode: 429 });
    const retryAfterMs = (result.outcome as { retryAfterMs?: number }).retryAfterMs;
    // toUTCString drops milliseconds, and the attempt takes a moment.
    expect(retryAfterMs).toBeGreaterThanOrEqual(55_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('reports 410 as gone and other 4xx as rejected, with the receiver’s explanation', async () => {
    const goneReceiver = await startReceiver((_req, res) => res.writeHead(410).end('endpoint removed'));
    const badRequest = await startReceiver((_req, res) => res.writeHead(400).end('{"error":"bad signature"}'));

    const gone = await sendAttempt(goneReceiver.url, BODY, HEADERS, 5_000);
    const rejected = await sendAttempt(badRequest.url, BODY, HEADERS, 5_000);

    expect(gone.outcome).toEqual({ kind: 'gone', statusCode: 410 });
    expect(gone.responseSnippet).toBe('endpoint removed');
    expect(rejected.outcome).toEqual({ kind: 'rejected', statusCode: 400 });
    expect(rejected.responseSnippet).toBe('{"error":"bad signature"}');
  });
});
