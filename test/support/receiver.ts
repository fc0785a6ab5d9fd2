import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  /** The request's path: one receiver can stand for several endpoints (`${url}/a`, `${url}/b`). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  receivedAt: number;
  /** When the receiver finished answering (after any scripted delay). */
  answeredAt?: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A real HTTP receiver on 127.0.0.1 that records every request and answers as `reply` says. */
export async function startReceiver(
  reply: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200 }),
) {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const request: ReceivedRequest = {
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: JSON.parse(body),
        receivedAt: Date.now(),
      };
      requests.push(request);
      const answer = reply(request, requests.length - 1);
      setTimeout(() => {
        request.answeredAt = Date.now();
        res.writeHead(answer.status, answer.headers).end(`answer ${answer.status}`);
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
