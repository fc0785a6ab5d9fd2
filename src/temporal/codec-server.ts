import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Payload } from '@temporalio/common';
import Koa, { type Context, type Next } from 'koa';
import { z } from 'zod';
import type { Keyring } from '../crypto/keyring.js';
import type { Logger } from '../logger.js';
import { listenFailure } from '../startup/ports.js';
import { EncryptionCodec } from './payload-codec.js';

/** A payload as Temporal's remote codec protocol carries it: proto3 JSON, so every byte string is base64. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
const CodecRequest = z.object({ payloads: z.array(JsonPayload) });
type JsonPayload = z.infer<typeof JsonPayload>;

/** The headers the Temporal UI sends (X-Namespace always, Authorization with `passAccessToken`). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

export interface CodecServerOptions {
  keyring: Keyring;
  /** CODEC_TOKEN: as `Authorization: Bearer <token>`, or as the first path segment (`/<token>/decode`). */
  token: string;
  /** Origins of the Temporal UIs whose pages may call this server from the browser. */
  corsOrigins: string[];
  logger: Logger;
}

/**
 * Temporal's remote codec protocol (POST /encode and /decode of `{payloads}`), so the Temporal UI and CLI show an
 * operator the payloads bookbell encrypted. Only holders of CODEC_TOKEN get through. The Temporal UI has no way to
 * send a bearer token of our choosing, so the token may instead be the endpoint's first path segment: give the UI
 * `https://codec.example.com/<token>` as its codec endpoint (it appends /decode).
 */
export function createCodecApp(options: CodecServerOptions): Koa {
  const codec = new EncryptionCodec(options.keyring);
  const tokenHash = sha256(options.token);
  const allowed = new Set(options.corsOrigins);
  const app = new Koa();
  app.proxy = false;

  app.use(async (ctx: Context, next: Next) => {
    const origin = ctx.get('Origin');
    if (origin && allowed.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      // The UI's `includeCredentials` mode sends cookies and needs this; harmless otherwise.
      ctx.set('Access-Control-Allow-Credentials', 'true');
    }
    ctx.vary('Origin');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    await next();
  });

  const problem = (ctx: Context, status: number, title: string, detail: string) => {
    ctx.status = status;
    ctx.type = 'application/problem+json';
    ctx.body = { type: 'about:blank', title, status, detail };
  };

  const authorized = (ctx: Context): boolean => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];
    const given = (ctx.params as { token?: string }).token ?? bearer;
    return given !== undefined && timingSafeEqual(sha256(given), tokenHash);
  };

  const router = new Router();
  for (const operation of ['encode', 'decode'] as const) {
    router.post([`/${operation}`, `/:token/${operation}`], async (ctx) => {
      if (!authorized(ctx)) {
        ctx.set('WWW-Authenticate', 'Bearer');
        return problem(ctx, 401, 'Unauthorized', 'Send the codec token as `Authorization: Bearer <CODEC_TOKEN>`.');
      }
      const parsed = CodecRequest.safeParse(ctx.request.body);
      if (!parsed.success) {
        return problem(ctx, 400, 'Bad Request', 'The body must be {"payloads":[{"metadata":{…},"data":"…"}]}.');
      }
      const payloads = parsed.data.payloads.map(fromJson);
      const answered =
        operation === 'encode' ? await codec.encode(payloads) : payloads.map((payload) => openOrKeep(payload));
      ctx.body = { payloads: answered.map(toJson) };
    });
  }

  // A payload sealed under a key no longer in PAYLOAD_KEYS (or altered) is shown as stored, not a failed page.
  const openOrKeep = (payload: Payload): Payload => {
    try {
      return codec.decodeOne(payload);
    } catch (err) {
      options.logger.warn({ err }, 'codec server: a payload did not decrypt');
      return payload;
    }
  };

  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '32mb' }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

export async function startCodecServer(
  options: CodecServerOptions & { host: string; port: number },
): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createCodecApp(options)
      .listen(options.port, options.host, () => resolve(listening))
      .once('error', (err) =>
        reject(listenFailure(err, { variable: 'CODEC_PORT', port: options.port, given: true, host: options.host })),
      );
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
