import { describe, expect, it } from 'vitest';
import { clientAddressHash, clientNetwork } from './client-address.ts';

describe('client addresses', () => {
  it('keeps an IPv4 address, unwraps an IPv4-mapped one, and cuts IPv6 to its /64', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(clientNetwork('2001:0DB8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
  });

  it('hashes with the secret: one network one hash, never the address itself', () => {
    const a = clientAddressHash('s'.repeat(32), '2001:db8:0:1::5');
    expect(a).toBe(clientAddressHash('s'.repeat(32), '2001:db8:0:1:abcd::9'));
    expect(a).not.toBe(clientAddressHash('s'.repeat(32), '2001:db8:0:2::5'));
    expect(a).not.toBe(clientAddressHash('t'.repeat(32), '2001:db8:0:1::5'));
    expect(clientAddressHash('s'.repeat(32), '203.0.113.7')).not.toContain('203');
    expect(clientAddressHash('s'.repeat(32), '  ')).toBeNull();
    // Loopback is this machine (an untrusted proxy, a test): never a burst of one client.
    expect(clientAddressHash('s'.repeat(32), '127.0.0.1')).toBeNull();
    expect(clientAddressHash('s'.repeat(32), '::ffff:127.0.0.1')).toBeNull();
  });
});
