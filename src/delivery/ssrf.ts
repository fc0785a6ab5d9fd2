import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a tenant's endpoint may never reach: this host and its private side. Loopback, private (RFC 1918), carrier-
 * grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local, multicast, reserved, unspecified and
 * benchmarking ranges, in IPv4 and IPv6 (IPv4-mapped IPv6 included).
 */
const NON_GLOBAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_GLOBAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_GLOBAL.addSubnet(network, prefix, 'ipv6');
}

const lookupAll = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

export class ForbiddenDestinationError extends Error {
  override name = 'ForbiddenDestinationError';
  readonly code = 'EFORBIDDEN_DESTINATION';
}

/** The operator's exceptions (ENDPOINT_ALLOWED_HOSTS): host names, IP addresses and CIDR ranges. */
export class DestinationPolicy {
  private readonly hosts = new Set<string>();
  private readonly allowed = new BlockList();

  constructor(allowedHosts: string[] = []) {
    for (const entry of allowedHosts.map((host) => host.trim().toLowerCase()).filter(Boolean)) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family === 0) this.hosts.add(entry);
      else if (prefix === undefined) this.allowed.addAddress(address as string, family === 4 ? 'ipv4' : 'ipv6');
      else this.allowed.addSubnet(address as string, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Why `address` (reached as `hostname`) is refused, or undefined when it may be reached. */
  refusal(hostname: string, address: string): string | undefined {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (this.hosts.has(hostname.toLowerCase()) || this.allowed.check(address, family)) return undefined;
    if (NON_GLOBAL.check(address, family)) return `${hostname} is a private or local address (${address})`;
    return undefined;
  }

  /**
   * Why an endpoint URL may not be registered, or undefined. Names are resolved now as well as at every delivery; one
   * that does not resolve yet is accepted (its deliveries fail and retry until it does).
   */
  async urlRefusal(url: URL): Promise<string | undefined> {
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname)) return this.refusal(hostname, hostname);
    const addresses = await lookupAll(hostname).catch(() => []);
    return addresses.map((address) => this.refusal(hostname, address.address)).find(Boolean);
  }

  /**
   * A `dns.lookup` for the HTTP client: resolves, refuses forbidden addresses, and hands the client the address it
   * checked, so the name cannot be re-resolved elsewhere between check and connect (DNS rebinding).
   */
  readonly lookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.map((a) => this.refusal(hostname, a.address)).find(Boolean);
      if (refused) return callback(new ForbiddenDestinationError(refused), []);
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
