import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointSender } from '../../src/delivery/send.js';
import { DestinationPolicy, NOT_ROUTABLE } from '../../src/delivery/ssrf.js';
import { classifyAddress } from '../../src/net/address-class.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['4000::1', 'outside2000::/3'],
    ['64:ff9b:1::808:808', 'rfc6052'],
  ])('%s is %s, not global', (address, range) => {
    expect(classifyAddress(address)).toEqual({ global: false, range });
  });

  it.each([
    ['::ffff:127.0.0.1', 'ipv4Mapped', 'loopback'],
    ['::ffff:0:a00:1', 'rfc6145', 'private'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052', 'linkLocal'],
    ['2002:c0a8:101::1', '6to4', 'private'],
    ['::10.0.0.1', 'ipv4Compatible', 'private'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo', 'loopback'],
    ['2001:0:7f00:1:8000:63bf:a247:28f1', 'teredo', 'loopback'],
  ])('%s is judged by the IPv4 address it carries (%s of %s)', (address, via, range) => {
    expect(classifyAddress(address)).toEqual({ global: false, range, via });
  });

  it.each(['93.184.215.14', '172.32.0.1', '2606:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'])(
    '%s is global',
    (address) => expect(classifyAddress(address).global).toBe(true),
  );
});

describe('DestinationPolicy', () => {
  const policy = new DestinationPolicy();

  it('refuses IP literals that are not publicly routable, without naming the address', async () => {
    for (const url of ['http://[::1]:9/hook', 'http://169.254.169.254/latest', 'http://[64:ff9b::7f00:1]/']) {
      expect(await policy.urlRefusal(new URL(url)), url).toBe(NOT_ROUTABLE.literal);
    }
    expect(await policy.urlRefusal(new URL('https://93.184.215.14/hook'))).toBeUndefined();
  });

  it("allows the operator's addresses and ranges by address, and names only onto private networks", () => {
    const allowing = new DestinationPolicy(['receiver.internal', '10.0.0.5', '192.168.0.0/16', '::1']);
    expect(allowing.allows('other.internal', '10.0.0.5')).toBe(true);
    expect(allowing.allows(undefined, '::ffff:10.0.0.5')).toBe(true);
    expect(allowing.allows('other.internal', '10.0.0.6')).toBe(false);
    expect(allowing.allows(undefined, '192.168.44.1')).toBe(true);
    expect(allowing.allows(undefined, '::1')).toBe(true);
    expect(allowing.allows('receiver.internal', '10.9.9.9')).toBe(true);
    expect(allowing.allows('RECEIVER.internal', 'fd00::1')).toBe(true);
    expect(allowing.allows('receiver.internal', '169.254.169.254')).toBe(false);
    expect(allowing.allows('receiver.internal', '127.0.0.1')).toBe(false);
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
    expect(byName).toMatchObject({ outcome: { kind: 'forbidden' }, error: NOT_ROUTABLE.name });
    expect(byAddress).toMatchObject({ outcome: { kind: 'forbidden' }, error: NOT_ROUTABLE.literal });
    expect(received).toBe(0);
  });

  it('connects where the operator allowed it', async () => {
    const sender = new EndpointSender(new DestinationPolicy(['127.0.0.1']));
    const result = await sender.send(`http://localhost:${port}/hook`, '{}', {}, 2000);
    await sender.close();
    expect(result.outcome).toEqual({ kind: 'delivered', statusCode: 200 });
    expect(received).toBe(1);
  });
});
