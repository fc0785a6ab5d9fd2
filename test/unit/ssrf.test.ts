import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';

describe('DestinationPolicy', () => {
  const policy = new DestinationPolicy();

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('refuses %s', (address) => {
    expect(policy.refusal('host.example', address)).toContain(address);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111'])('lets %s through', (address) => {
    expect(policy.refusal('host.example', address)).toBeUndefined();
  });

  it('allows what the operator lists: names, addresses and ranges', () => {
    const allowing = new DestinationPolicy(['receiver.internal', '10.0.0.5', '192.168.0.0/16', '::1']);
    expect(allowing.refusal('receiver.internal', '10.9.9.9')).toBeUndefined();
    expect(allowing.refusal('other.internal', '10.0.0.5')).toBeUndefined();
    expect(allowing.refusal('other.internal', '10.0.0.6')).toBeDefined();
    expect(allowing.refusal('x', '192.168.44.1')).toBeUndefined();
    expect(allowing.refusal('x', '::1')).toBeUndefined();
  });

  it('refuses a registered name that resolves to loopback, and IP literals, before any request', async () => {
    expect(await policy.urlRefusal(new URL('http://localhost:9/hook'))).toMatch(
      /localhost is a private or local address/,
    );
    expect(await policy.urlRefusal(new URL('http://[::1]:9/hook'))).toBeDefined();
    expect(await policy.urlRefusal(new URL('http://169.254.169.254/latest/meta-data'))).toBeDefined();
  });
});

describe('EndpointSender', () => {
  let server: Server;
  let port: number;
  let received = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      received += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never connects to a name that resolves to loopback, nor to a loopback literal', async () => {
    const sender = new EndpointSender(new DestinationPolicy());
    const byName = await sender.send(`http://localhost:${port}/hook`, '{}', {}, 2000);
    const byAddress = await sender.send(`http://127.0.0.1:${port}/hook`, '{}', {}, 2000);
    await sender.close();
    expect(byName).toMatchObject({ outcome: { kind: 'forbidden' }, error: expect.stringContaining('localhost') });
    expect(byAddress).toMatchObject({ outcome: { kind: 'forbidden' } });
    expect(received).toBe(0);
  });

  it('connects where the operator allowed it', async () => {
    const sender = new EndpointSender(new DestinationPolicy(['localhost']));
    const result = await sender.send(`http://localhost:${port}/hook`, '{}', {}, 2000);
    await sender.close();
    expect(result.outcome).toEqual({ kind: 'delivered', statusCode: 200 });
    expect(received).toBe(1);
  });
});
