import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keyring, KeyringSchema } from '../../src/crypto/keyring.js';
import { createLogger } from '../../src/logger.js';
import { fromRoot } from '../../src/paths.js';
import { startCodecServer } from '../../src/temporal/codec-server.js';
import { request } from '../support/http.js';
import { TEST_PAYLOAD_KEYS, testCodec, testDataConverter } from '../support/payload-keys.js';

const UI = 'http://127.0.0.1:8233';
const token = randomBytes(32).toString('base64url');
let codec: Awaited<ReturnType<typeof startCodecServer>>;

beforeAll(async () => {
  codec = await startCodecServer({
    host: '127.0.0.1',
    port: 0,
    keyring: new Keyring(KeyringSchema.parse(TEST_PAYLOAD_KEYS)),
    token,
    corsOrigins: [UI],
    logger: createLogger('silent'),
  });
});
afterAll(async () => {
  await codec?.stop();
});

/** A payload as the roles write it, in the protocol's JSON (base64 bytes). */
async function sealed(value: unknown) {
  const [payload] = await testCodec().encode([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) },
  ]);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload!.metadata!).map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')]),
    ),
    data: Buffer.from(payload!.data!).toString('base64'),
  };
}
const text = (base64: string) => Buffer.from(base64, 'base64').toString();

describe('the codec server', () => {
  it('decodes what the roles sealed for a holder of the token, as a bearer token or the first path segment', async () => {
    const body = { payloads: [await sealed({ name: 'Q3 statements' })] };
    expect(text(body.payloads[0]!.data)).not.toContain('Q3 statements');
    for (const [path, headers] of [
      ['/decode', { authorization: `Bearer ${token}` }],
      [`/${token}/decode`, {}],
    ] as const) {
      const answer = await request(codec.url, 'POST', path, body, { 'x-namespace': 'default', ...headers });
      expect(answer.status, path).toBe(200);
      expect(answer.body.payloads.map((p: { data: string }) => text(p.data))).toEqual(['{"name":"Q3 statements"}']);
      expect(text(answer.body.payloads[0].metadata.encoding)).toBe('json/plain');
    }
  });

  it('decodes a large payload the roles compressed before sealing it', async () => {
    const documents = Array.from({ length: 5_000 }, (_, n) => ({
      doc: randomUUID(),
      status: n % 9 ? 'SUCCEEDED' : 'FAILED',
    }));
    const payload = await sealed({ documents });
    expect(text(payload.metadata.encoding!)).toBe('binary/encrypted-zlib');
    const auth = { authorization: `Bearer ${token}` };
    const answer = await request(codec.url, 'POST', '/decode', { payloads: [payload] }, auth);
    expect(answer.status).toBe(200);
    expect(JSON.parse(text(answer.body.payloads[0].data))).toEqual({ documents });
  });

  it('encodes, and passes through payloads it did not seal', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: 'eyJhIjoxfQ==' };
    const auth = { authorization: `Bearer ${token}` };
    const encoded = await request(codec.url, 'POST', '/encode', { payloads: [plain] }, auth);
    expect(text(encoded.body.payloads[0].metadata.encoding)).toBe('binary/encrypted');
    const decoded = await request(codec.url, 'POST', '/decode', encoded.body, auth);
    expect(decoded.body).toEqual({ payloads: [plain] });
    expect((await request(codec.url, 'POST', '/decode', { payloads: [plain] }, auth)).body).toEqual({
      payloads: [plain],
    });
  });

  it('refuses without the token: 401, nothing decoded', async () => {
    const body = { payloads: [await sealed({ name: 'secret' })] };
    for (const [path, headers] of [
      ['/decode', {}],
      ['/decode', { authorization: `Bearer ${randomBytes(32).toString('base64url')}` }],
      [`/${randomBytes(32).toString('base64url')}/decode`, {}],
      ['/encode', {}],
    ] as const) {
      const answer = await request(codec.url, 'POST', path, body, headers);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(JSON.stringify(answer.body)).not.toContain('secret');
    }
    const malformed = await request(
      codec.url,
      'POST',
      '/decode',
      { payload: [] },
      { authorization: `Bearer ${token}` },
    );
    expect(malformed.status).toBe(400);
  });

  it("answers the Temporal UI's CORS preflight for its origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${codec.url}/${token}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const allowed = await preflight(UI);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-namespace']),
    );
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await preflight('http://evil.test')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the Temporal CLI show a workflow decoded (`--codec-endpoint`), which it cannot without', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection, dataConverter: testDataConverter() });
    const workflowId = `codec-cli-${randomUUID()}`;
    const marker = `marker${randomUUID().replaceAll('-', '')}`;
    // No worker polls this queue: the input stays in the started event, as stored.
    const handle = await client.workflow.start('bookWorkflow', {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId,
      args: [{ name: marker }],
    });
    try {
      const show = (...flags: string[]) =>
        promisify(execFile)(fromRoot('.temporal/bin/temporal'), [
          'workflow',
          'show',
          '--address',
          inject('temporalAddress'),
          '--workflow-id',
          workflowId,
          '--output',
          'json',
          ...flags,
        ]).then(({ stdout }) => stdout);
      expect(await show()).not.toContain(marker);
      const decoded = await show('--codec-endpoint', codec.url, '--codec-auth', `Bearer ${token}`);
      const data = [...decoded.matchAll(/"data":\s*"([^"]+)"/g)].map((match) => text(match[1]!)).join('\n');
      expect(decoded + data).toContain(marker);
    } finally {
      await handle.terminate('test over');
      await connection.close();
    }
  });
});
