import { createSocket, type Socket } from 'node:dgram';
import ipaddr from 'ipaddr.js';

/**
 * A tiny authoritative DNS server over UDP for tests: A and AAAA answers from `zone` (each name's nth query of a type
 * gets the nth answer set, the last one repeating — a name can be re-pointed between queries), NXDOMAIN for names it
 * does not know, and no answer at all for `silent` names (the resolver times out).
 */
export interface TestZone {
  zone: Record<string, string[][]>;
  silent?: string[];
}

const TYPE = { A: 1, AAAA: 28 } as const;

/** The question's name and type, and where the question ends. */
function readQuestion(message: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let offset = 12;
  for (let length = message[offset] ?? 0; length > 0; length = message[offset] ?? 0) {
    labels.push(message.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(offset + 1), end: offset + 5 };
}

export async function startDnsServer(
  zone: TestZone,
  host = '127.0.0.1',
  port = 53,
): Promise<{ queries: Map<string, number>; close: () => Promise<void> }> {
  const queries = new Map<string, number>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    const { name, type, end } = readQuestion(message);
    const key = `${name} ${type === TYPE.A ? 'A' : type === TYPE.AAAA ? 'AAAA' : type}`;
    const asked = queries.get(key) ?? 0;
    queries.set(key, asked + 1);
    if (zone.silent?.includes(name)) return;
    const sets = zone.zone[name];
    const set = sets ? (sets[Math.min(asked, sets.length - 1)] ?? []) : [];
    const family = type === TYPE.A ? 'ipv4' : type === TYPE.AAAA ? 'ipv6' : 'none';
    const answers = set.map((a) => ipaddr.parse(a)).filter((a) => a.kind() === family);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(message.readUInt16BE(0), 0);
    // QR, AA, and the query's RD; RA; NXDOMAIN (3) for unknown names, else NOERROR (with or without answers).
    header.writeUInt16BE(0x8480 | (message.readUInt16BE(2) & 0x0100) | (sets ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((address) => {
      const data = Buffer.from(address.toByteArray());
      const record = Buffer.alloc(12);
      record.writeUInt16BE(0xc00c, 0); // the question's name
      record.writeUInt16BE(type, 2);
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(0, 6); // never cached
      record.writeUInt16BE(data.length, 10);
      return Buffer.concat([record, data]);
    });
    socket.send(Buffer.concat([header, message.subarray(12, end), ...records]), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  return { queries, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
