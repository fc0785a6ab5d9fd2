import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { classifyAddress, parseAddress, unmapped } from '../net/address-class.js';

/**
 * What a refusal says. Never the address a name resolved to, nor its kind: a tenant must not learn what this
 * deployment's names resolve to, nor map its network through our error messages.
 */
export const NOT_ROUTABLE = {
  name: 'the host resolves to an address that is not publicly routable',
  literal: 'the host is an address that is not publicly routable',
} as const;

/**
 * What an allow-listed host name may reach beyond the public internet: the private networks internal receivers live
 * on. Never this host (loopback, unspecified), link-local (cloud metadata at 169.254.169.254), multicast or reserved
 * space: a name's DNS can change, so those take an address or CIDR entry of their own.
 */
const NAMED_INTERNAL_RANGES = new Set(['private', 'carrierGradeNat', 'uniqueLocal', 'deprecatedSiteLocal']);

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
const single = (address: ipaddr.IPv4 | ipaddr.IPv6): Cidr => [address, address.kind() === 'ipv4' ? 32 : 128];

const lookupAll = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

export class ForbiddenDestinationError extends Error {
  override name = 'ForbiddenDestinationError';
  readonly code = 'EFORBIDDEN_DESTINATION';
}

/** `url.hostname` without the brackets of an IPv6 literal. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Where endpoints may lead: globally routable unicast addresses (src/net/address-class.ts), plus the operator's
 * exceptions (ENDPOINT_ALLOWED_HOSTS): IP addresses and CIDR ranges, reachable by any name; and host names, which are
 * still resolved and checked — they may reach private networks too, nothing else.
 */
export class DestinationPolicy {
  private readonly names = new Set<string>();
  private readonly ranges: Cidr[] = [];

  constructor(allowedHosts: string[] = []) {
    for (const entry of allowedHosts.map((host) => host.trim().toLowerCase()).filter(Boolean)) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      if (isIP(address) === 0) this.names.add(entry);
      else if (prefix === undefined) this.ranges.push(single(unmapped(parseAddress(address))));
      else this.ranges.push(ipaddr.parseCIDR(entry));
    }
  }

  /** Whether `address`, reached by the name `hostname` (undefined for an IP literal), may be connected to. */
  allows(hostname: string | undefined, address: string): boolean {
    // ::ffff:a.b.c.d is a.b.c.d to this host's network stack, and to the allow-list.
    const parsed = unmapped(parseAddress(address));
    const listed = this.ranges.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
    if (listed) return true;
    const { global, range } = classifyAddress(address);
    if (global) return true;
    return hostname !== undefined && this.names.has(hostname.toLowerCase()) && NAMED_INTERNAL_RANGES.has(range);
  }

  /** Why the IP literal `host` may not be reached, or undefined. */
  literalRefusal(host: string): string | undefined {
    return this.allows(undefined, host) ? undefined : NOT_ROUTABLE.literal;
  }

  /**
   * Why an endpoint URL may not be registered, or undefined. Names are resolved now as well as at every delivery; one
   * that does not resolve yet is accepted (its deliveries fail and retry until it does).
   */
  async urlRefusal(url: URL): Promise<string | undefined> {
    const host = hostOf(url);
    if (isIP(host)) return this.literalRefusal(host);
    const addresses = await lookupAll(host).catch(() => []);
    return addresses.every((a) => this.allows(host, a.address)) ? undefined : NOT_ROUTABLE.name;
  }

  /**
   * A `dns.lookup` for the HTTP client: resolves, refuses the name if any of its addresses is forbidden, and hands
   * the client the addresses it checked, so the connection goes to one of them and the name is not resolved again
   * between check and connect (DNS rebinding).
   */
  readonly lookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (!addresses.every((a) => this.allows(hostname, a.address))) {
        return callback(new ForbiddenDestinationError(NOT_ROUTABLE.name), []);
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
