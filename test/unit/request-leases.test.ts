import { describe, expect, it } from 'vitest';
import { AuthFailures } from '../../src/api/auth-failures.js';
import { RequestLeases } from '../../src/api/request-leases.js';

describe('request leases', () => {
  it('takes a twentieth of a second of tokens at a time, within the burst, at least one', () => {
    expect(new RequestLeases({ perSecond: 200, burst: 1000 }).batch).toBe(10);
    expect(new RequestLeases({ perSecond: 200, burst: 4 }).batch).toBe(4);
    expect(new RequestLeases({ perSecond: 2, burst: 5 }).batch).toBe(1);
  });

  it('spends only what a taking kept, for a second at most', () => {
    const leases = new RequestLeases({ perSecond: 200, burst: 1000 });
    expect(leases.spend('bb_a', 0)).toBeUndefined();
    leases.keep('bb_a', 3, 50, 0); // the taking's own request spent one
    expect([leases.spend('bb_a', 10), leases.spend('bb_a', 20), leases.spend('bb_a', 30)]).toEqual([51, 50, undefined]);
    expect(leases.spend('bb_b', 30)).toBeUndefined();
    leases.keep('bb_a', 3, 50, 0);
    expect(leases.spend('bb_a', 1001)).toBeUndefined();
  });
});

describe('failed authentications per address', () => {
  it('lets ten times the rate through at once, then refills at the rate', () => {
    const failures = new AuthFailures(1);
    for (let i = 0; i < 10; i++) {
      expect(failures.waitMs('10.0.0.1', 0)).toBe(0);
      failures.fail('10.0.0.1', 0);
    }
    expect(failures.waitMs('10.0.0.1', 0)).toBe(1000);
    expect(failures.waitMs('10.0.0.2', 0)).toBe(0);
    expect(failures.waitMs('10.0.0.1', 500)).toBe(500);
    expect(failures.waitMs('10.0.0.1', 1000)).toBe(0);
  });
});
