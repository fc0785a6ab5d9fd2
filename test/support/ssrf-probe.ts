import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EndpointSender, type AttemptResult } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { startDnsServer, type TestZone } from './dns-server.js';

/**
 * Runs inside a network and mount namespace of its own (see test/integration/ssrf-resolution.test.ts), where
 * /etc/resolv.conf names the DNS server this starts on 127.0.0.1:53: the destination checks then resolve through
 * getaddrinfo exactly as in production. Prints one JSON line: what each URL's registration check and delivery gave,
 * how many requests each receiver address took, and how many queries each name had.
 */
export interface ProbeScenario extends TestZone {
  /** Addresses on this namespace's loopback with a receiver on port 8080 (the namespace's setup adds them). */
  receivers: string[];
  checks: { url: string; allowed?: string[]; send?: boolean }[];
}

export interface ProbeResult {
  checks: { url: string; refusal: string | null; sent?: AttemptResult }[];
  hits: Record<string, number>;
  queries: Record<string, number>;
}

const scenario = JSON.parse(process.argv[2] as string) as ProbeScenario;
const dns = await startDnsServer(scenario);
const hits: Record<string, number> = {};
const receivers = await Promise.all(
  scenario.receivers.map(async (address) => {
    const server = createServer((req, res) => {
      const local = (req.socket.address() as AddressInfo).address;
      hits[local] = (hits[local] ?? 0) + 1;
      req.resume().on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(8080, address, resolve));
    return server;
  }),
);

const checks: ProbeResult['checks'] = [];
for (const { url, allowed, send } of scenario.checks) {
  const policy = new DestinationPolicy(allowed);
  const refusal = (await policy.urlRefusal(new URL(url))) ?? null;
  // A sender of its own: no kept-alive connection carries over from one check to the next.
  const sender = send ? new EndpointSender(policy) : undefined;
  const sent = await sender?.send(url, '{}', {}, 5_000);
  await sender?.close();
  checks.push({ url, refusal, ...(sent ? { sent } : {}) });
}

await dns.close();
await Promise.all(receivers.map((server) => new Promise((resolve) => server.close(resolve))));
const result: ProbeResult = { checks, hits, queries: Object.fromEntries(dns.queries) };
process.stdout.write(`${JSON.stringify(result)}\n`);
