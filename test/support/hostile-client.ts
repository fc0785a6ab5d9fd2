import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { isProblemCode, PROBLEM_KINDS, problemType } from '../../src/contract/problem-types.js';

/** One request a hostile client sends: everything on the wire is as given (no URL normalisation, any method). */
export interface HostileRequest {
  /** What kind of hostility, for counting and for failure messages. */
  kind: string;
  /** The route it aims at ("POST /v1/books/{book_uuid}/seal"), or "unknown". */
  route: string;
  method: string;
  /** Sent as-is on the request line: percent-encoding, `..` and raw bytes reach the server untouched. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer | undefined;
  /** The statuses this request may get; every other one fails the run. */
  expect: number[];
}

export interface HostileResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const preview = (text: string, length = 300) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} characters)` : text;

/** What fast-check prints for a request: a summary, never a megabyte of body. */
export function describeRequest(request: HostileRequest): string {
  const body = request.body ? ` body ${JSON.stringify(preview(request.body.toString('utf8')))}` : '';
  return `[${request.kind}] ${request.method} ${request.path} headers ${JSON.stringify(request.headers, (_key, value: unknown) => (typeof value === 'string' ? preview(value, 120) : value))}${body}`;
}

/** Builds a request whose counterexample output stays readable. */
export function hostile(request: HostileRequest): HostileRequest {
  return Object.defineProperty(request, fc.toStringMethod, {
    value: () => describeRequest(request),
    enumerable: false,
  });
}

/**
 * Sends a request with node:http (fetch would normalise the path and refuse some methods and headers). A keep-alive
 * connection may close without an answer: the server closed it idle just as it was reused, or (as node does) on
 * bytes that are not HTTP after earlier answers on it. Such a request is sent once more on a fresh connection,
 * which must be answered.
 */
export async function send(baseUrl: string, request: HostileRequest, agent: http.Agent, timeoutMs = 30_000) {
  try {
    return await sendOnce(baseUrl, request, agent, timeoutMs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
    return sendOnce(baseUrl, request, false, timeoutMs);
  }
}

function sendOnce(baseUrl: string, request: HostileRequest, agent: http.Agent | false, timeoutMs: number) {
  const url = new URL(baseUrl);
  const headers = { ...request.headers };
  if (request.body !== undefined && !('content-length' in headers) && !('transfer-encoding' in headers)) {
    headers['content-length'] = String(request.body.length);
  }
  return new Promise<HostileResponse>((resolve, reject) => {
    const outgoing = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // A server that refuses a large body early may close while it is still being written: the answer counts.
    outgoing.on('error', reject);
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.end(request.body);
  });
}

/** Writes bytes that are not (quite) HTTP on a fresh connection and reads the one answer before it closes. */
export function sendRaw(baseUrl: string, bytes: Buffer, timeoutMs = 10_000): Promise<HostileResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1];
      if (!status) return reject(new Error(`closed without an answer: ${JSON.stringify(text.slice(0, 200))}`));
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(status), headers, text: Buffer.from(rest.join('\r\n\r\n'), 'latin1').toString('utf8') });
    });
  });
}

// Signs of internals leaking into a body: stack frames, source paths, module folders.
const INTERNALS = /\n\s+at |node_modules|\/work\/|\.(?:ts|js):\d+|ECONNREFUSED|duplicate key|violates|syntax error at/;

/**
 * What must hold for every answer to a hostile request: no 5xx, a status the request may get, and every refusal an
 * RFC 9457 problem (type, title, status, detail) with no internals in it. Returns what failed, or undefined.
 */
export function answerProblem(request: HostileRequest, response: HostileResponse): string | undefined {
  const { status } = response;
  if (status >= 500) return `a ${status}`;
  if (!request.expect.includes(status)) return `status ${status}, expected one of ${request.expect.join(', ')}`;
  if (INTERNALS.test(response.text)) return 'internals in the body';
  if (status < 400) return undefined;
  const type = response.headers['content-type'] ?? '';
  if (!type.startsWith('application/problem+json')) return `a ${status} with Content-Type ${JSON.stringify(type)}`;
  // A HEAD answer has the problem's headers but no body.
  if (request.method === 'HEAD') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.text) as Record<string, unknown>;
  } catch {
    return 'a problem body that is not JSON';
  }
  for (const field of ['type', 'title', 'detail'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '') return `a problem without ${field}`;
  }
  if (body.status !== status) return `a problem whose status ${String(body.status)} is not the HTTP status ${status}`;
  return problemKindFailure(body);
}

/**
 * What is wrong with a problem's kind, or undefined: its `type` is a catalogued one, its `code` the last segment of
 * that type, and its status and title the kind's.
 */
export function problemKindFailure(body: Record<string, unknown>): string | undefined {
  const { code, type } = body;
  if (typeof code !== 'string' || !isProblemCode(code)) return `a problem with code ${JSON.stringify(code)}`;
  if (type !== problemType(code)) return `a problem of code ${code} with type ${JSON.stringify(type)}`;
  if (type.split('/').at(-1) !== code) return `a problem whose code ${code} is not the end of its type`;
  const kind = PROBLEM_KINDS[code];
  if (body.status !== kind.status || body.title !== kind.title) {
    return `a ${code} problem with status ${String(body.status)} and title ${String(body.title)}`;
  }
  return undefined;
}

/** Sends the request and throws a readable error unless the answer holds up (see `answerProblem`). */
export async function sendAndCheck(baseUrl: string, request: HostileRequest, agent: http.Agent) {
  let response: HostileResponse;
  try {
    response = await send(baseUrl, request, agent);
  } catch (err) {
    throw new Error(`No answer (${(err as Error).message}) to ${describeRequest(request)}`, { cause: err });
  }
  const failure = answerProblem(request, response);
  if (failure) {
    throw new Error(
      `${failure} for ${describeRequest(request)}\n→ ${response.status} ${response.headers['content-type'] ?? ''} ${preview(response.text, 600)}`,
    );
  }
  return response;
}
