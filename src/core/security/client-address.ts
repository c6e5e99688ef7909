/**
 * A client address is kept only as a keyed hash (HMAC-SHA256 with the app's SECRET): equal addresses give equal
 * hashes, so bursts from one address can be seen, but the stored value does not give the address back, and
 * without the secret no one can test a guessed address against it.
 *
 * An IPv6 client is hashed by its /64 network: one home or one phone gets a whole /64 and may take any address in
 * it, so hashing the full address would let one machine look like millions. An IPv4-mapped IPv6 address is its IPv4.
 */
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The part of an address that names one client: an IPv4 address, or the first four groups of an IPv6 one. */
export function clientNetwork(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(trimmed);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(trimmed)) return trimmed;
  const [head = '', tail = ''] = trimmed.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = trimmed.includes('::') ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = trimmed.includes('::') ? [...headGroups, ...Array(Math.max(0, missing)).fill('0'), ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A loopback client is this machine: a reverse proxy the app does not trust (TRUST_PROXY), or a test or benchmark. */
export function isLoopback(network: string): boolean {
  return network.startsWith('127.') || network === '0:0:0:0::/64';
}

/**
 * The keyed hash of a client's network, or null when there is no address or it is loopback: the bursts of one
 * address must not lump together every person behind an untrusted proxy (each would look like the proxy).
 */
export function clientAddressHash(secret: string, address: string | null | undefined): string | null {
  const trimmed = address?.trim();
  if (!trimmed || isLoopback(clientNetwork(trimmed))) return null;
  return createHmac('sha256', secret)
    .update(`client-address:${clientNetwork(trimmed)}`)
    .digest('base64url');
}
