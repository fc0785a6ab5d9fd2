import ipaddr from 'ipaddr.js';

/**
 * What an IP address is, by ipaddr.js's range table (IANA's special-purpose registries, kept up to date upstream):
 * `global` only for globally routable unicast. IPv6 forms that carry an IPv4 address are judged by that IPv4 address,
 * since that is where a packet to them ends up (through a NAT64 gateway, a 6to4 or Teredo relay, or this host's own
 * IPv4 stack).
 */
export interface AddressClass {
  global: boolean;
  /** ipaddr.js's name for the range ('private', 'loopback', 'uniqueLocal', …); for an embedded form, its IPv4's. */
  range: string;
  /** The IPv6 form that carried the IPv4 address judged ('ipv4Mapped', 'rfc6052', '6to4', 'teredo', …). */
  via?: string;
}

const bytesToIPv4 = (bytes: number[]) => new ipaddr.IPv4(bytes);

/** The IPv4 addresses an IPv6 address carries, or undefined when it carries none. */
function embeddedIPv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4[] | undefined {
  const bytes = address.toByteArray();
  const last32 = bytes.slice(12, 16);
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  switch (range) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d, which this host's own IPv4 stack reaches
    case 'rfc6145': // ::ffff:0:a.b.c.d (IPv4-translated)
      return [bytesToIPv4(last32)];
    case 'rfc6052': // NAT64's well-known prefix 64:ff9b::/96 (the local-use 64:ff9b:1::/48 is not global: see below)
      return zero(4, 12) ? [bytesToIPv4(last32)] : undefined;
    case '6to4': // 2002:AABB:CCDD::/48
      return [bytesToIPv4(bytes.slice(2, 6))];
    case 'teredo': // 2001:0:SERVER:flags:port:~CLIENT — the relay and the client's NAT both carry the packet
      return [bytesToIPv4(bytes.slice(4, 8)), bytesToIPv4(last32.map((b) => ~b & 0xff))];
    case 'unicast': // IPv4-compatible ::a.b.c.d (deprecated; ipaddr.js calls it unicast); :: and ::1 are named before
      return zero(0, 12) ? [bytesToIPv4(last32)] : undefined;
    default:
      return undefined;
  }
}

/** Global unicast IPv6 is allocated from 2000::/3 only; the rest of the space is reserved or special. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

/**
 * Parses an IPv4 or IPv6 address (a zone index, as in `fe80::1%eth0`, is dropped). IPv6 goes through the WHATWG URL
 * parser's canonical form first: ipaddr.js 2.5 reads `::10.0.0.1` as `::ffff:10.0.0.1`.
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (!text.includes(':')) return ipaddr.parse(text);
  const canonical = new URL(`http://[${text.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  return ipaddr.parse(canonical);
}

/** The address as this host's network stack treats it: `::ffff:a.b.c.d` is a.b.c.d. */
export function unmapped(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** Classifies `text`, an IPv4 or IPv6 address (a zone index is ignored). */
export function classifyAddress(text: string): AddressClass {
  const address = parseAddress(text);
  if (address.kind() === 'ipv4') {
    const range = (address as ipaddr.IPv4).range();
    return { global: range === 'unicast', range };
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const carried = embeddedIPv4(v6, range);
  if (carried) {
    const ranges = carried.map((v4) => v4.range());
    const worst = ranges.find((r) => r !== 'unicast') ?? 'unicast';
    return { global: worst === 'unicast', range: worst, via: range === 'unicast' ? 'ipv4Compatible' : range };
  }
  // 64:ff9b:1::/48 is for a network's own translator (RFC 8215: not globally reachable), where the IPv4 address sits
  // wherever that network chose; as 'rfc6052' without an embedded address it is refused like any non-global range.
  if (range === 'unicast' && !v6.match(GLOBAL_UNICAST_V6)) return { global: false, range: 'outside2000::/3' };
  return { global: range === 'unicast', range };
}
