import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_ROUTABLE } from '../../src/delivery/ssrf.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import type { ProbeResult, ProbeScenario } from '../support/ssrf-probe.js';

/**
 * The destination checks with real name resolution: getaddrinfo, as in production, in a network and mount namespace
 * of this test's own, where /etc/resolv.conf and /etc/hosts are files this test wrote and a DNS server on 127.0.0.1
 * answers for names mapped to every kind of address. Receivers listen on private and loopback addresses of the
 * namespace; public addresses have no route there, so nothing leaves the machine.
 */

// Namespaces need root (CI runs as root); `ip` comes with the machine.
const canIsolate =
  spawnSync('unshare', ['--net', '--mount', 'true']).status === 0 &&
  spawnSync('sh', ['-c', 'command -v ip']).status === 0;

/** Names that resolve only to addresses that are not publicly routable: refused whatever the form. */
const REFUSED: Record<string, string[]> = {
  'v4 private 10/8': ['10.0.0.1'],
  'v4 private 172.16/12': ['172.16.5.4'],
  'v4 private 192.168/16': ['192.168.1.1'],
  'v4 loopback': ['127.0.0.1'],
  'v4 loopback elsewhere in 127/8': ['127.8.9.10'],
  'v4 link-local (cloud metadata)': ['169.254.169.254'],
  'v4 carrier-grade NAT': ['100.64.0.1'],
  'v4 unspecified': ['0.0.0.0'],
  'v4 this network 0/8': ['0.1.2.3'],
  'v4 broadcast': ['255.255.255.255'],
  'v4 multicast': ['224.0.0.1'],
  'v4 reserved 240/4': ['240.0.0.1'],
  'v4 IETF protocol assignments': ['192.0.0.8'],
  'v4 documentation TEST-NET-1': ['192.0.2.1'],
  'v4 documentation TEST-NET-2': ['198.51.100.1'],
  'v4 documentation TEST-NET-3': ['203.0.113.1'],
  'v4 benchmarking': ['198.18.0.1'],
  'v6 loopback': ['::1'],
  'v6 unspecified': ['::'],
  'v6 unique-local fd00::/8': ['fd00::1'],
  'v6 unique-local fc00::/8': ['fc00::1'],
  'v6 link-local': ['fe80::1'],
  'v6 site-local fec0::/10': ['fec0::1'],
  'v6 multicast': ['ff02::1'],
  'v6 documentation 2001:db8::/32': ['2001:db8::1'],
  'v6 documentation 3fff::/20': ['3fff::1'],
  'v6 discard-only 100::/64': ['100::1'],
  'v6 outside global unicast 2000::/3': ['4000::1'],
  'NAT64 64:ff9b::/96 of 10.0.0.1': ['64:ff9b::a00:1'],
  'NAT64 64:ff9b::/96 of 127.0.0.1': ['64:ff9b::7f00:1'],
  'NAT64 64:ff9b::/96 of 169.254.169.254': ['64:ff9b::a9fe:a9fe'],
  'local-use NAT64 64:ff9b:1::/48 of 10.0.0.1': ['64:ff9b:1::a00:1'],
  'local-use NAT64 64:ff9b:1::/48 of a public address': ['64:ff9b:1::5db8:d70e'],
  '6to4 of 10.0.0.1': ['2002:a00:1::1'],
  '6to4 of 169.254.169.254': ['2002:a9fe:a9fe::1'],
  '6to4 of 127.0.0.1': ['2002:7f00:1::'],
  'IPv4-compatible ::10.0.0.1': ['::a00:1'],
  'IPv4-compatible ::127.0.0.1': ['::7f00:1'],
  'IPv4-mapped ::ffff:127.0.0.1': ['::ffff:7f00:1'],
  'IPv4-mapped ::ffff:169.254.169.254': ['::ffff:a9fe:a9fe'],
  'IPv4-translated ::ffff:0:10.0.0.1': ['::ffff:0:a00:1'],
  'Teredo with client 10.0.0.1': ['2001:0:4136:e378:8000:63bf:f5ff:fffe'],
  'Teredo with server 10.0.0.1': ['2001:0:a00:1:8000:63bf:a247:28f1'],
  'a public and a private v4 address': ['93.184.215.14', '10.0.0.1'],
  'a public v4 and a unique-local v6 address': ['93.184.215.14', 'fd00::1'],
  'a public v6 and a NAT64 of loopback': ['2606:4700::1111', '64:ff9b::7f00:1'],
};

/** Names that resolve only to globally routable addresses, some of them carried in IPv6. */
const ACCEPTED: Record<string, string[]> = {
  'v4 public': ['93.184.215.14'],
  'v6 public': ['2606:4700::1111'],
  'NAT64 64:ff9b::/96 of a public address': ['64:ff9b::5db8:d70e'],
  '6to4 of a public address': ['2002:5db8:d70e::1'],
  'IPv4-mapped public address': ['::ffff:5db8:d70e'],
  'Teredo with a public server and client': ['2001:0:4136:e378:8000:63bf:a247:28f1'],
  'public v4 and v6': ['93.184.215.14', '2606:4700::1111'],
};

const nameOf = (label: string) =>
  `${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.test`;

const INTERNAL = '10.200.0.1';
const INTERNAL_V6 = 'fd00:200::1';
const ALLOWED = ['internal.test', 'internal-v6.test', 'metadata.test', 'loopback.test', 'pinned.test', 'rebind.test'];

const scenario: ProbeScenario = {
  zone: {
    ...Object.fromEntries(
      Object.entries({ ...REFUSED, ...ACCEPTED }).map(([label, addresses]) => [nameOf(label), [addresses]]),
    ),
    'internal.test': [[INTERNAL]],
    'internal-v6.test': [[INTERNAL_V6]],
    'metadata.test': [['169.254.169.254']],
    'loopback.test': [['127.0.0.1']],
    // Registration resolves once, delivery once more: a third answer would be loopback.
    'pinned.test': [[INTERNAL], [INTERNAL], ['127.0.0.1']],
    // Re-pointed at loopback after registration.
    'rebind.test': [[INTERNAL], ['127.0.0.1']],
  },
  silent: ['silent.test'],
  receivers: [INTERNAL, INTERNAL_V6, '127.0.0.1'],
  checks: [
    ...Object.keys(REFUSED).map((label) => ({ url: `http://${nameOf(label)}:8080/hook`, send: true })),
    ...Object.keys(ACCEPTED).map((label) => ({ url: `http://${nameOf(label)}:8080/hook`, send: true })),
    { url: 'http://localhost:8080/hook', send: true },
    ...['internal', 'internal-v6', 'metadata', 'loopback', 'pinned', 'rebind'].map((name) => ({
      url: `http://${name}.test:8080/hook`,
      allowed: ALLOWED,
      send: true,
    })),
    // An allow-listed name is no exception for another name resolving to the same address.
    { url: `http://${nameOf('v4 private 10/8')}:8080/hook`, allowed: ALLOWED },
    // An allow-listed address or range is reached by any name, loopback included.
    { url: 'http://loopback.test:8080/hook', allowed: ['127.0.0.0/8'], send: true },
    { url: 'http://missing.test:8080/hook', send: true },
    { url: 'http://silent.test:8080/hook', send: true },
  ],
};

let result: ProbeResult;
const dir = mkdtempSync(join(tmpdir(), 'bookbell-ssrf-'));
const checkOf = (host: string, index = 0) =>
  result.checks.filter((c) => new URL(c.url).hostname === host)[index] as ProbeResult['checks'][number];

beforeAll(() => {
  if (!canIsolate) return;
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost\n');
  const setup = [
    'ip link set lo up',
    `ip addr add ${INTERNAL}/32 dev lo`,
    `ip -6 addr add ${INTERNAL_V6}/128 dev lo`,
    `mount --bind ${join(dir, 'resolv.conf')} /etc/resolv.conf`,
    `mount --bind ${join(dir, 'hosts')} /etc/hosts`,
    'exec "$@"',
  ].join(' && ');
  const probe = spawnSync(
    'unshare',
    [
      '--net',
      '--mount',
      '--',
      'sh',
      '-c',
      setup,
      'sh',
      process.execPath,
      '--import',
      'tsx',
      'test/support/ssrf-probe.ts',
      JSON.stringify(scenario),
    ],
    { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 120_000 },
  );
  expect(probe.status, probe.stderr).toBe(0);
  result = JSON.parse(probe.stdout.trim().split('\n').pop() as string) as ProbeResult;
}, 150_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!canIsolate)('destinations, resolved by getaddrinfo', () => {
  it.each(Object.keys(REFUSED))('refuses a name resolving to %s, at registration and delivery', (label) => {
    const { refusal, sent } = checkOf(nameOf(label));
    expect(refusal).toBe(NOT_ROUTABLE.name);
    expect(sent).toMatchObject({ outcome: { kind: 'forbidden' }, error: NOT_ROUTABLE.name });
  });

  it.each(Object.keys(ACCEPTED))('accepts a name resolving to %s (no route from the namespace)', (label) => {
    const { refusal, sent } = checkOf(nameOf(label));
    expect(refusal).toBeNull();
    // Past the check, the connection fails: these addresses have no route from the test's namespace.
    expect(sent?.outcome.kind).toBe('retry');
    expect(sent?.error).not.toBe(NOT_ROUTABLE.name);
  });

  it('refuses localhost from the hosts file', () => {
    expect(checkOf('localhost')).toMatchObject({
      refusal: NOT_ROUTABLE.name,
      sent: { outcome: { kind: 'forbidden' } },
    });
  });

  it('never says what a name resolved to', () => {
    const addresses = [...Object.values(REFUSED).flat(), INTERNAL, '127.0.0.1'];
    for (const { refusal, sent } of result.checks) {
      for (const address of addresses) {
        expect(refusal ?? '').not.toContain(address);
        expect(sent?.error ?? '').not.toContain(address);
      }
    }
  });

  it('lets an allow-listed name reach the private network it resolves to, and nothing else', () => {
    expect(checkOf('internal.test')).toMatchObject({ refusal: null, sent: { outcome: { kind: 'delivered' } } });
    expect(checkOf('internal-v6.test')).toMatchObject({ refusal: null, sent: { outcome: { kind: 'delivered' } } });
    expect(result.hits[INTERNAL]).toBeGreaterThanOrEqual(1);
    expect(result.hits[INTERNAL_V6]).toBe(1);
    for (const host of ['metadata.test', 'loopback.test']) {
      expect(checkOf(host), host).toMatchObject({
        refusal: NOT_ROUTABLE.name,
        sent: { outcome: { kind: 'forbidden' }, error: NOT_ROUTABLE.name },
      });
    }
    // The name's exception does not carry over to another name on the same network.
    expect(checkOf(nameOf('v4 private 10/8'), 1).refusal).toBe(NOT_ROUTABLE.name);
  });

  it('connects to the address it checked: one resolution per attempt, and a re-pointed name is refused', () => {
    expect(checkOf('pinned.test').sent?.outcome).toEqual({ kind: 'delivered', statusCode: 200 });
    // Registration and delivery resolved once each; a second resolution at connect would have answered loopback.
    expect(result.queries['pinned.test A']).toBe(2);
    expect(checkOf('rebind.test')).toMatchObject({ refusal: null, sent: { outcome: { kind: 'forbidden' } } });
    expect(result.hits['127.0.0.1'], 'loopback took a request').toBe(1);
    expect(result.hits[INTERNAL]).toBe(2);
  });

  it('reaches an allow-listed range by any name', () => {
    expect(checkOf('loopback.test', 1)).toMatchObject({ refusal: null, sent: { outcome: { kind: 'delivered' } } });
  });

  it('accepts a name that does not resolve yet, and logs its deliveries as DNS failures, retried', () => {
    expect(checkOf('missing.test')).toMatchObject({
      refusal: null,
      sent: { outcome: { kind: 'retry' }, error: 'the host name does not resolve (ENOTFOUND)' },
    });
    expect(checkOf('silent.test')).toMatchObject({
      refusal: null,
      sent: { outcome: { kind: 'retry' }, error: expect.stringContaining('EAI_AGAIN') },
    });
  });
});
