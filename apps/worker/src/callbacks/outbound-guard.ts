import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { CallbackAllow } from './callback-allow';

/** A resolved address: what a webhook's connection goes to. */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (dns.lookup with `all`, in production). */
export type ResolveHost = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

/** Where a webhook may go: the host as named (Host header, SNI) and the one address checked for it. */
export interface WebhookTarget {
  url: URL;
  /** The host name without IPv6 brackets. */
  hostname: string;
  address: CheckedAddress;
}

/** A webhook URL the guard refuses; its message is for the task record and names no server detail. */
export class CallbackRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackRefusedError';
  }
}

// The ranges a webhook never reaches unless CALLBACK_ALLOW names them: this host, private
// networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved.
const BLOCKED: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified ("this network") address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];
const BLOCKED_LISTS = BLOCKED.map(([network, bits, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(network, bits, family);
  return { list, family, kind };
});

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or NAT64
 * (64:ff9b::a.b.c.d) IPv6 address: the operating system connects those to the IPv4 address.
 */
export function embeddedIPv4(ipv6: string): string | undefined {
  // WHATWG URL parsing canonicalises the address: lowercase, `::` compressed, the last 32 bits in hex.
  const canonical = new URL(`http://[${ipv6}]`).hostname.slice(1, -1);
  const match = /^(::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (match === null) return undefined;
  const high = parseInt(match[2] ?? '0', 16);
  const low = parseInt(match[3] ?? '0', 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** What kind of non-public address `address` is, or undefined for a public one. */
export function blockedKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const v4 = family === 6 ? embeddedIPv4(address) : address;
  for (const { list, family: listFamily, kind } of BLOCKED_LISTS) {
    if (family === 6 && listFamily === 'ipv6' && list.check(address, 'ipv6')) return kind;
    if (v4 !== undefined && listFamily === 'ipv4' && list.check(v4, 'ipv4')) return kind;
  }
  return undefined;
}

function isAllowedAddress(address: string, allow: CallbackAllow): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (allow.addresses.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
  const v4 = family === 6 ? embeddedIPv4(address) : undefined;
  return v4 !== undefined && allow.addresses.check(v4, 'ipv4');
}

export const resolveWithDns: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Checks a webhook URL against the outbound rules and picks the address to connect to: https
 * only (http for a host CALLBACK_ALLOW names), and every address the host resolves to public
 * unless the host or that address is allowed. Throws CallbackRefusedError.
 */
export async function checkWebhookTarget(rawUrl: string, allow: CallbackAllow, resolve: ResolveHost = resolveWithDns): Promise<WebhookTarget> {
  if (!URL.canParse(rawUrl)) throw new CallbackRefusedError('refused: the callback_url is not a URL');
  const url = new URL(rawUrl);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const hostAllowed = allow.hosts.has(hostname) || (isIP(hostname) !== 0 && isAllowedAddress(hostname, allow));
  if (url.protocol === 'http:' && !hostAllowed) throw new CallbackRefusedError(`refused: http:// only to hosts CALLBACK_ALLOW names; ${hostname} needs https://`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CallbackRefusedError(`refused: ${url.protocol} is not http: or https:`);
  if (url.username !== '' || url.password !== '') throw new CallbackRefusedError('refused: a callback_url with credentials');
  let addresses: readonly { address: string; family: number }[];
  if (isIP(hostname) !== 0) addresses = [{ address: hostname, family: isIP(hostname) }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch {
      throw new CallbackRefusedError(`failed: ${hostname} does not resolve`);
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new CallbackRefusedError(`failed: ${hostname} does not resolve`);
  if (!allow.hosts.has(hostname)) {
    for (const { address } of addresses) {
      const kind = blockedKind(address);
      if (kind !== undefined && !isAllowedAddress(address, allow)) {
        throw new CallbackRefusedError(`refused: ${hostname} resolves to ${address}, ${kind}, which CALLBACK_ALLOW does not name`);
      }
    }
  }
  return { url, hostname, address: { address: first.address, family: first.family === 6 ? 6 : 4 } };
}
