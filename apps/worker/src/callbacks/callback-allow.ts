import { BlockList, isIP } from 'node:net';

/** CALLBACK_ALLOW, parsed: host names, and addresses or CIDR ranges. */
export interface CallbackAllow {
  /** Lowercase host names (and address literals as written), reachable over http too. */
  readonly hosts: ReadonlySet<string>;
  /** Addresses and ranges a webhook may reach even though they are private, loopback or link-local. */
  readonly addresses: BlockList;
  /** The entries as configured, for logs. */
  readonly entries: readonly string[];
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Why one CALLBACK_ALLOW entry is invalid, or undefined when it is a host name, an address or a CIDR. */
function entryProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const address = entry.slice(0, slash);
    const bits = entry.slice(slash + 1);
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0) return `${JSON.stringify(entry)}: a CIDR needs an IP address before the /`;
    if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) return `${JSON.stringify(entry)}: the prefix length must be 0–${max}`;
    return undefined;
  }
  if (isIP(entry) !== 0 || HOST_NAME.test(entry)) return undefined;
  return `${JSON.stringify(entry)} is neither a host name, an IP address nor a CIDR`;
}

/** Parses CALLBACK_ALLOW (comma-separated); returns the problems instead when any entry is invalid. */
export function parseCallbackAllow(value: string): { ok: true; allow: CallbackAllow } | { ok: false; problems: string[] } {
  const entries = [...new Set(value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))];
  const problems = entries.map(entryProblem).filter((p): p is string => p !== undefined);
  if (problems.length > 0) return { ok: false, problems };
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits !== undefined) addresses.addSubnet(address, Number(bits), family);
    else if (isIP(entry) !== 0) {
      addresses.addAddress(entry, family);
      hosts.add(entry);
    } else hosts.add(entry.replace(/\.$/, ''));
  }
  return { ok: true, allow: { hosts, addresses, entries } };
}

/** Nothing allowed beyond public addresses over https. */
export const NOTHING_ALLOWED: CallbackAllow = { hosts: new Set(), addresses: new BlockList(), entries: [] };
