import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Receivers that misbehave on purpose, one per behaviour a real server can show: any bytes in a body, any status
 * code, broken framing, resets, stalls, Retry-After in every form. Each is a real `node:http` server on loopback that
 * parses the request and then answers through `answer`, often by writing raw bytes to the socket. Shared by
 * `test/integration/hostile-receivers.test.ts` (which asserts each outcome) and the drill (which prints them).
 */
export interface HostileBehaviour {
  name: string;
  /** `attempt` is 1 for the first request carrying a webhook-id, 2 for the next… */
  answer: (res: ServerResponse, socket: Socket, attempt: number) => void;
  /** The first attempt whose answer is a success; none: it never succeeds, and the delivery must end FAILED. */
  successAt?: number;
  /** Reached over https although the server speaks plain HTTP (a TLS failure). */
  tls?: boolean;
}

const raw = (socket: Socket, text: string | Buffer, end = true) => {
  socket.write(text);
  if (end) socket.end();
};
const ok = (res: ServerResponse, body: string | Buffer) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  res.end(body);
};
const stream = (res: ServerResponse, everyMs: number, chunk: Buffer) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const timer = setInterval(() => res.write(chunk), everyMs);
  res.on('close', () => clearInterval(timer));
};

export const HOSTILE_BEHAVIOURS: HostileBehaviour[] = [
  {
    name: '200, NUL bytes in the body',
    successAt: 1,
    answer: (res) => ok(res, Buffer.from('ok\0\0!')),
  },
  {
    name: '200, invalid UTF-8 in the body',
    successAt: 1,
    answer: (res) => ok(res, Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])),
  },
  {
    name: '200, control characters in the body',
    successAt: 1,
    answer: (res) => ok(res, '\u0001\u001b[31mred\u007f'),
  },
  {
    name: '200, a 4 MB body',
    successAt: 1,
    answer: (res) => ok(res, Buffer.alloc(4 << 20, 0x41)),
  },
  {
    name: '200, a body that never ends',
    successAt: 1,
    answer: (res) => stream(res, 5, Buffer.alloc(64 << 10, 0x42)),
  },
  {
    name: '200, a body trickled slower than the timeout',
    successAt: 1,
    answer: (res) => stream(res, 700, Buffer.from('.')),
  },
  {
    name: '200, connection reset mid-body',
    successAt: 1,
    answer: (_res, socket) => {
      raw(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial', false);
      setTimeout(() => socket.resetAndDestroy(), 50);
    },
  },
  { name: '204, no body', successAt: 1, answer: (res) => res.writeHead(204).end() },
  {
    name: '299, an unknown success code',
    successAt: 1,
    answer: (res) => res.writeHead(299).end('fine'),
  },
  {
    // The HTTP client (undici) takes a 100 it did not ask for (no Expect: 100-continue) as a bad response: a
    // transport failure, retried like a reset, so the delivery ends FAILED at its window.
    name: 'an unsolicited 100 Continue before the 200',
    answer: (_res, socket) =>
      raw(socket, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  },
  {
    name: '429 with Retry-After: 1, then 200',
    successAt: 2,
    answer: (res, _socket, attempt) =>
      attempt === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end(),
  },
  {
    name: '503 with Retry-After as a past HTTP date, then 200',
    successAt: 2,
    answer: (res, _socket, attempt) =>
      attempt === 1
        ? res.writeHead(503, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end()
        : res.writeHead(200).end(),
  },
  {
    name: '503 with an unreadable Retry-After, twice, then 200',
    successAt: 3,
    answer: (res, _socket, attempt) =>
      attempt <= 2 ? res.writeHead(503, { 'retry-after': 'soon-ish, -5, 1e9' }).end() : res.writeHead(200).end(),
  },
  {
    name: '503 with Retry-After past the window',
    answer: (res) => res.writeHead(503, { 'retry-after': '99999999999999999999999' }).end(),
  },
  {
    name: '302, a redirect (never followed)',
    answer: (res) => res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end(),
  },
  { name: '418, a client error', answer: (res) => res.writeHead(418).end('teapot') },
  { name: '599, an unknown server error', answer: (res) => res.writeHead(599).end() },
  {
    name: '101 Switching Protocols to a POST',
    answer: (_res, socket) =>
      raw(socket, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: nonsense\r\nConnection: Upgrade\r\n\r\n'),
  },
  {
    name: 'a malformed status line',
    answer: (_res, socket) => raw(socket, 'HTTP/1.1 OK fine\r\n\r\n'),
  },
  {
    name: 'a malformed header line',
    answer: (_res, socket) => raw(socket, 'HTTP/1.1 200 OK\r\nThis is not a header\r\nContent-Length: 0\r\n\r\n'),
  },
  {
    name: 'two conflicting Content-Length headers',
    answer: (_res, socket) => raw(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok'),
  },
  { name: 'connection reset before answering', answer: (_res, socket) => socket.resetAndDestroy() },
  { name: 'never answers', answer: () => undefined },
  { name: 'TLS to a server that speaks plain HTTP', tls: true, answer: (res) => res.end() },
];

/** What bookbell must make of a behaviour, per the delivery rules (docs/endpoints.md). */
export const expectedStatus = (behaviour: HostileBehaviour) => (behaviour.successAt ? 'DELIVERED' : 'FAILED');

export interface HostileReceiver {
  behaviour: HostileBehaviour;
  url: string;
  /** Requests per webhook-id. */
  requests: Map<string, number>;
  /** Requests for a webhook-id that had already been answered with success (must stay 0). */
  repeatsAfterSuccess: number;
  close: () => Promise<void>;
}

/** Starts one misbehaving receiver on loopback. */
export async function startHostileReceiver(behaviour: HostileBehaviour): Promise<HostileReceiver> {
  const requests = new Map<string, number>();
  const succeeded = new Set<string>();
  const receiver = { behaviour, url: '', requests, repeatsAfterSuccess: 0, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const id = String(req.headers['webhook-id'] ?? req.headers['webhook-request-id'] ?? '');
    const attempt = (requests.get(id) ?? 0) + 1;
    requests.set(id, attempt);
    if (succeeded.has(id)) receiver.repeatsAfterSuccess += 1;
    req.resume();
    req.on('end', () => {
      // Answered with success: bookbell must never send this id again.
      if (behaviour.successAt !== undefined && attempt >= behaviour.successAt) succeeded.add(id);
      behaviour.answer(res, req.socket, attempt);
    });
  });
  server.on('clientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  receiver.url = `${behaviour.tls ? 'https' : 'http'}://127.0.0.1:${port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
