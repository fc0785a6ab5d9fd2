import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's ephemeral range (Linux: net.ipv4.ip_local_port_range), where outgoing connections take ports. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: the IANA range.
  }
  return [49152, 65535];
}

const listens = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });

/**
 * A loopback port that was free a moment ago, for a server that binds it later (a child process, a server that
 * cannot report the port it picked for `:0`). Taken below the ephemeral range when there is room: there no outgoing
 * connection or port-0 listener of this or another process lands on it before that server binds it.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const [low, high] = [10_000, ephemeralLow - 1];
  for (let attempt = 0; high > low && attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    const bound = await listens(port).catch(() => undefined);
    if (bound) return bound;
  }
  return listens(0);
}
