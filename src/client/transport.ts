import { OPERATIONS, operationPath, type OperationId } from './operations.js';
import { BookbellProblem } from './problem.js';

export interface ClientOptions {
  /** Where the API answers, e.g. "http://127.0.0.1:3000"; "" in a page served by the API itself. */
  baseUrl: string;
  /** An API key (`bb_…`), sent as a Bearer token; leave it out for /healthz, /readyz and /metrics only. */
  apiKey?: string;
  /** A fetch of your own (a proxy agent, retries, a test double); the global fetch by default. */
  fetch?: typeof fetch;
  /** Headers sent with every request, e.g. a request id. */
  headers?: Record<string, string>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface PostOptions extends CallOptions {
  /** A repeat of the same POST with this key within IDEMPOTENCY_KEY_TTL (24 h) gets the first answer again. */
  idempotencyKey?: string;
}

export interface Call extends CallOptions {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined> | object;
  body?: unknown;
  headers?: Record<string, string | undefined>;
  /** Statuses besides 2xx that carry the operation's answer (GET /readyz answers 503 with its body). */
  accept?: number[];
}

/** Sends operations by their operationId; any other answer than 2xx (or `accept`) throws a `BookbellProblem`. */
export class Transport {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Called unbound, a browser's fetch throws "Illegal invocation".
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async send(operation: OperationId, call: Call = {}, accept = 'application/json'): Promise<Response> {
    const method = OPERATIONS[operation][0];
    const path = operationPath(operation, call.path) + queryString(call.query);
    const headers: Record<string, string> = { accept, ...this.options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    for (const [name, value] of Object.entries(call.headers ?? {})) if (value !== undefined) headers[name] = value;
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: call.body === undefined ? null : JSON.stringify(call.body),
      signal: call.signal ?? null,
    });
    if (!response.ok && !call.accept?.includes(response.status)) {
      throw await BookbellProblem.from(response, `${method} ${path}`);
    }
    return response;
  }

  /** The operation's JSON answer (undefined for 204). */
  async json<T>(operation: OperationId, call: Call = {}): Promise<T> {
    const response = await this.send(operation, call);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}

/** "?a=1&b=x" of the defined values, or "" when there are none. */
function queryString(query: Call['query']): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
