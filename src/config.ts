import { z } from 'zod';
import { duration, durationList, isAllowListEntry, optionalPort, optionalString, port } from './config-values.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './delivery/retry-schedule.js';
import { DAY_MS } from './durations.js';
import { DEFAULT_MAX_DOCUMENTS } from './contract/book.js';
import { DURABILITIES } from './durability.js';
import type { RetentionAges } from '../workflows/retention-contract.js';
import { KeyringSchema, type KeyringKey } from './crypto/keyring.js';

/** Ten years: "keep it" without a special value. */
const MAX_RETENTION_MS = 3650 * DAY_MS;

/** Every environment variable bookbell reads, parsed once. Only entry points call `loadConfig`. */
const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A running Temporal cluster (host:port). Unset: `npm start` and the tests run a local dev server. */
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('bookbell'),
  /** Path to a `temporal` CLI binary to run the dev server with. */
  TEMPORAL_CLI: optionalString,
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  /** Connect to Temporal over TLS; implied by TEMPORAL_API_KEY and the certificate options. */
  TEMPORAL_TLS: optionalString.pipe(z.enum(['true', 'false']).optional()),
  /** mTLS (e.g. Temporal Cloud with certificates): PEM files of this client's certificate and its key. */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  /** PEM file of the CA that signed the server's certificate, when the system's roots do not include it. */
  TEMPORAL_TLS_CA: optionalString,
  /** Name to check the server's certificate against, when it is not the host of TEMPORAL_ADDRESS. */
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** Temporal Cloud API key (sent as a bearer token over TLS). */
  TEMPORAL_API_KEY: optionalString,
  /** The Temporal Web UI the console links workflows to; `npm start` defaults it to its dev server's UI. */
  TEMPORAL_UI_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /**
   * Keys that encrypt every payload bookbell puts into Temporal, `id:base64` (32 bytes), comma-separated: the first
   * encrypts, all decrypt. Required by `npm run api|worker|codec`; `npm start` remembers one in DATA_DIR when unset.
   */
  PAYLOAD_KEYS: optionalString.pipe(KeyringSchema.optional()),
  /** Bearer token of the codec server (the Temporal UI decodes through it); `npm start` remembers one when unset. */
  CODEC_TOKEN: optionalString.pipe(z.string().min(32, { error: 'must be at least 32 characters' }).optional()),
  /** Port of the codec server (`npm start`, `npm run codec`). */
  CODEC_PORT: port(8234),
  /** Origins of the Temporal UIs that may call the codec server, comma-separated (TEMPORAL_UI_URL's is added). */
  CODEC_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value, ctx) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean)
        .map((origin) => {
          try {
            return new URL(origin).origin;
          } catch {
            ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://temporal.example.com` });
            return z.NEVER;
          }
        }),
    ),
  /** `npm run worker`: serve /metrics on HOST:METRICS_PORT (the API serves its own /metrics on PORT). */
  METRICS_PORT: optionalPort,
  /**
   * Set, `/metrics` (the API's and METRICS_PORT's) answers only `Authorization: Bearer <token>`, like Prometheus's
   * `authorization` scrape setting sends; unset, it answers anyone who reaches it.
   */
  METRICS_TOKEN: optionalString.pipe(
    z.string().min(16, 'at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
  ),
  /**
   * Requests a second each tenant may make to /v1, across all API processes (a token bucket in PostgreSQL holding up
   * to API_RATE_BURST); past it, 429 `rate-limited` with Retry-After. 0: no limit.
   */
  API_RATE_LIMIT: z.coerce.number().min(0).max(1_000_000).default(200),
  API_RATE_BURST: z.coerce.number().int().min(1).max(10_000_000).default(1000),
  /**
   * Failed authentications (no key, or an unknown or revoked one) a second from one client address, per API process
   * (ten times as many at once); past it, 429 before any lookup. 0: no limit.
   */
  API_AUTH_FAILURE_LIMIT: z.coerce.number().min(0).max(1_000_000).default(10),
  /** Open SSE streams (book streams and the event feed stream) per tenant, per API process; past it, 429. */
  MAX_STREAMS_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(20),
  /** How often an idle book stream sends a keep-alive comment (and re-reads the change log). */
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** Unset: an embedded PostgreSQL is started in DATA_DIR. */
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  /** Connections each process keeps to PostgreSQL (a worker's activities share them). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Port of the embedded PostgreSQL (only used without DATABASE_URL). */
  EMBEDDED_PG_PORT: port(5433),
  DATA_DIR: z.string().min(1).default('.data'),
  /** How `npm start`'s embedded PostgreSQL and Temporal SQLite file write to disk (src/durability.ts). */
  STORAGE_DURABILITY: z.enum(DURABILITIES).default('safe'),
  /**
   * Workflows a worker keeps in memory between their tasks (books and deliveries). One left out is replayed from its
   * history at its next task. The SDK's default grows with the heap limit (about 1,570 here) and took a worker
   * holding 10,000 open books to 1.25 GB; 1,000 kept it at 0.9–1.0 GB, 800 at 0.9 GB with no slower wake-ups
   * (docs/benchmarks.md, "Open books").
   */
  WORKFLOW_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(800),
  /** Continue a book's workflow as new once a run's history has this many events (Temporal may suggest it sooner). */
  BOOK_HISTORY_LIMIT: z.coerce.number().int().min(200).max(50_000).optional(),
  /**
   * The most documents one book holds; past it, uploads and results for new documents get 409 `book-full`. A book's
   * state travels in every continue-as-new input, which Temporal refuses over 2 MB: 20,000 documents take 1.3 MB.
   */
  BOOK_MAX_DOCUMENTS: z.coerce.number().int().min(1).max(20_000).default(DEFAULT_MAX_DOCUMENTS),
  /** Delays before each delivery attempt (Svix's schedule); after the list, daily. */
  DELIVERY_RETRY_SCHEDULE: durationList('0s,5s,5m,30m,2h,5h,10h,10h', { min: 0, max: 7 * DAY_MS, maxLength: 1000 }),
  /** A delivery gives up once its next attempt would start later than this after the event. */
  DELIVERY_WINDOW: duration('3d', { min: 1000, max: 90 * DAY_MS }),
  /**
   * A receiver must answer within this: inside the delivery activity's 2-minute timeout, with room for the attempt's
   * recording.
   */
  DELIVERY_TIMEOUT: duration('15s', { min: 1000, max: 90_000 }),
  /**
   * How long a delivery waits for its turn under its endpoint's rate_limit while holding its activity; a turn further
   * off gives the worker back and comes again later (no attempt is counted). Inside the activity's 2-minute timeout,
   * with room for DELIVERY_TIMEOUT.
   */
  DELIVERY_RATE_WAIT: duration('30s', { min: 0, max: 60_000 }),
  /**
   * `on`: the activity that records a book's events makes their first attempt at once, to each healthy endpoint with
   * nothing of the book still open; only what fails or must wait goes to the endpoint's delivery workflow (see
   * docs/architecture.md, "How deliveries run"). `off`: every delivery goes through that workflow.
   */
  DELIVERY_DIRECT: z.enum(['on', 'off']).default('on'),
  /** An endpoint failing without a break this long is disabled (and `endpoint.disabled` recorded). */
  DISABLE_AFTER: duration('5d', { min: 1000, max: 90 * DAY_MS }),
  /**
   * Keys that seal endpoint signing secrets (and stored idempotent answers) in PostgreSQL: `id:base64,…`, the first
   * seals, all open. Unset: `npm start` makes one and keeps it in DATA_DIR/secret-keys; `npm run api|worker` refuse.
   */
  SECRET_KEYS: optionalString.pipe(KeyringSchema.optional()),
  /** After a rotation, the old secret keeps signing alongside the new one this long. */
  SECRET_ROTATION_GRACE: duration('24h', { min: 0, max: 30 * DAY_MS }),
  /** How often the retention schedule deletes what has aged out (the ages below). */
  RETENTION_INTERVAL: duration('1h', { min: 1000, max: DAY_MS }),
  /** Delivery attempts are logged this long (those of a delivery still pending stay while it is). */
  RETAIN_DELIVERY_ATTEMPTS: duration('30d', { min: 1000, max: MAX_RETENTION_MS }),
  /** The book change log (a book stream's Last-Event-ID resumes within this; older restarts with the snapshot). */
  RETAIN_CHANGE_LOG: duration('3d', { min: 1000, max: MAX_RETENTION_MS }),
  /** Operational events (GET /v1/operational-events). */
  RETAIN_OPERATIONAL_EVENTS: duration('90d', { min: 1000, max: MAX_RETENTION_MS }),
  /** A finished book keeps its documents, events, deliveries and analytics this long after ANALYTICS_COMPLETED. */
  RETAIN_FINISHED_BOOKS: duration('90d', { min: 1000, max: MAX_RETENTION_MS }),
  /** A POST's Idempotency-Key replays its first answer this long; the key is deleted after. */
  IDEMPOTENCY_KEY_TTL: duration('24h', { min: 1000, max: 30 * DAY_MS }),
  /** Exceptions to public-only destinations (docs/security.md): IPs and CIDRs; host names, onto private networks. */
  ENDPOINT_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim())
        .filter(Boolean),
    )
    .superRefine((entries, ctx) => {
      for (const entry of entries.filter((e) => !isAllowListEntry(e))) {
        ctx.addIssue({ code: 'custom', message: `${entry}: not a host name, an IP address or a CIDR range` });
      }
    }),
  /** Plain-http endpoint URLs; off in production (NODE_ENV=production) unless set. */
  ENDPOINT_ALLOW_HTTP: z.enum(['true', 'false']).optional(),
  NODE_ENV: z.string().optional(),
  /** SMTP server for e-mail subscriptions, e.g. smtp://user:pass@mail.example.com:587; unset, they are refused. */
  SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/ }).optional()),
  MAIL_FROM: z.string().min(3).default('bookbell <notifications@bookbell.invalid>'),
  /**
   * Where people reach this deployment (the API's public base URL, e.g. https://bookbell.example.com): e-mails link to
   * the book's console page under it. Unset, they carry no link (the API cannot know how it is reached from outside).
   */
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /**
   * Mails a tenant asks for directly (test events to an address, confirmation messages) within MAIL_RATE_WINDOW: at
   * most this many to one address, and MAIL_RATE_PER_TENANT in all; past either, a 429 with Retry-After.
   */
  MAIL_RATE_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000).default(5),
  MAIL_RATE_PER_TENANT: z.coerce.number().int().min(1).max(1_000_000).default(100),
  MAIL_RATE_WINDOW: duration('1h', { min: 1000, max: 30 * DAY_MS }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Settings that only make sense together. */
/** Every variable bookbell reads (docker-compose.yml must pass each one a container can use). */
export const CONFIG_VARIABLES = Object.keys(ConfigSchema.shape);

const CheckedConfigSchema = ConfigSchema.superRefine((config, ctx) => {
  if (Boolean(config.TEMPORAL_TLS_CERT) !== Boolean(config.TEMPORAL_TLS_KEY)) {
    const [missing, given] = config.TEMPORAL_TLS_CERT
      ? ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT']
      : ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'];
    ctx.addIssue({ code: 'custom', path: [missing], message: `required when ${given} is set` });
  }
  const tlsOff = config.TEMPORAL_TLS === 'false';
  if (tlsOff && (config.TEMPORAL_API_KEY || config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_CA)) {
    ctx.addIssue({
      code: 'custom',
      path: ['TEMPORAL_TLS'],
      message: 'cannot be false with an API key or certificates',
    });
  }
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Variables whose name changed: refused with the new name rather than ignored, since an ignored allow-list or
 * http switch would quietly change where deliveries may go.
 */
const RENAMED: Record<string, keyof Config> = {
  WEBHOOK_ALLOWED_HOSTS: 'ENDPOINT_ALLOWED_HOSTS',
  WEBHOOK_ALLOW_HTTP: 'ENDPOINT_ALLOW_HTTP',
};

/** Parses the environment; a bad variable throws a `ConfigError` that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = CheckedConfigSchema.safeParse(env);
  const renamed = Object.entries(RENAMED)
    .filter(([old]) => env[old]?.trim())
    .map(([old, name]) => `  ${old}: renamed to ${name}; set that instead`);
  if (!parsed.success || renamed.length > 0) {
    const issues = parsed.success ? [] : parsed.error.issues;
    const lines = [...renamed, ...issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)];
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

const CLUSTER_HINTS = {
  TEMPORAL_ADDRESS: 'use `npm start` for embedded defaults',
  DATABASE_URL: 'use `npm start` for embedded defaults',
  SECRET_KEYS: 'the same in every process, e.g. SECRET_KEYS=k1:$(openssl rand -base64 32)',
  PAYLOAD_KEYS:
    'the same in every process, e.g. PAYLOAD_KEYS=k1:$(openssl rand -base64 32): they encrypt tenant data in Temporal',
} as const;

export type ClusterConfig = Config & {
  TEMPORAL_ADDRESS: string;
  DATABASE_URL: string;
  SECRET_KEYS: KeyringKey[];
  PAYLOAD_KEYS: KeyringKey[];
};

/** The single-role entry points (`npm run api`, `npm run worker`) need a cluster, not embedded defaults. */
export function requireClusterConfig(config: Config): ClusterConfig {
  // Every process of a cluster must seal and open secrets and Temporal payloads with the same keys: none can be made
  // up here.
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SECRET_KEYS', 'PAYLOAD_KEYS'] as const).filter(
    (name) => !config[name],
  );
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${missing.map((name) => `  ${name}: required for this role (${CLUSTER_HINTS[name]})`).join('\n')}`,
    );
  }
  return config as ClusterConfig;
}

/** Whether `name` is set to something: empty counts as unset, as everywhere in the configuration. */
export function isSet(name: keyof Config, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[name]?.trim());
}

/** Whether a failed start prints the stack too (LOG_LEVEL=debug or trace), read even when the rest is invalid. */
export function wantsStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
}

/** The delivery retry policy the configuration asks for. */
export function retryPolicy(config: Config): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, scheduleMs: config.DELIVERY_RETRY_SCHEDULE, windowMs: config.DELIVERY_WINDOW };
}

/** Whether endpoint URLs may be plain http. */
export function allowHttpEndpoints(config: Config): boolean {
  return config.ENDPOINT_ALLOW_HTTP ? config.ENDPOINT_ALLOW_HTTP === 'true' : config.NODE_ENV !== 'production';
}

/** How long each kind of row is kept (the retention schedule's input). */
export function retentionAges(config: Config): RetentionAges {
  return {
    deliveryAttemptsMs: config.RETAIN_DELIVERY_ATTEMPTS,
    idempotencyKeysMs: config.IDEMPOTENCY_KEY_TTL,
    changeLogMs: config.RETAIN_CHANGE_LOG,
    operationalEventsMs: config.RETAIN_OPERATIONAL_EVENTS,
    finishedBooksMs: config.RETAIN_FINISHED_BOOKS,
  };
}

/** The limits on mails a tenant asks for directly (see MAIL_RATE_PER_ADDRESS). */
export function mailLimits(config: Config): { perAddress: number; perTenant: number; windowMs: number } {
  return {
    perAddress: config.MAIL_RATE_PER_ADDRESS,
    perTenant: config.MAIL_RATE_PER_TENANT,
    windowMs: config.MAIL_RATE_WINDOW,
  };
}
