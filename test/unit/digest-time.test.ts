import { describe, expect, it } from 'vitest';
import { digestId, isDigestDue, isTimeZone, localDay } from '../../src/digests/digest-time.js';

/** The hourly runs (on the hour UTC, or `minute` late) due for `hour` in `zone` on the local day `day`. */
function dueRuns(day: string, hour: number, zone: string, minute = 0): string[] {
  const start = Date.parse(`${day}T00:00:00Z`) - 18 * 3_600_000;
  const runs = Array.from({ length: 60 }, (_, i) => new Date(start + i * 3_600_000 + minute * 60_000));
  return runs
    .filter((at) => isDigestDue(at, hour, zone) && localDay(at, zone).iso === day)
    .map((at) => at.toISOString());
}

describe('when a daily digest is due', () => {
  it('is the run at the hour in the zone, once a day', () => {
    expect(dueRuns('2024-06-10', 9, 'America/New_York')).toEqual(['2024-06-10T13:00:00.000Z']); // 09:00 EDT
    expect(dueRuns('2024-06-10', 0, 'UTC')).toEqual(['2024-06-10T00:00:00.000Z']);
    expect(dueRuns('2024-06-10', 23, 'Pacific/Auckland')).toEqual(['2024-06-10T11:00:00.000Z']);
  });

  it('comes at half past in a zone half an hour off UTC', () => {
    // Runs on the hour UTC are at :30 in Kolkata (UTC+5:30): 09:00 passes in the run at 09:30.
    expect(dueRuns('2024-06-10', 9, 'Asia/Kolkata')).toEqual(['2024-06-10T04:00:00.000Z']);
  });

  it('on a spring-forward day, an hour that does not exist is sent by the run that jumps over it', () => {
    // 2024-03-10 in New York: 01:59 EST is followed by 03:00 EDT (07:00Z).
    expect(dueRuns('2024-03-10', 2, 'America/New_York')).toEqual(['2024-03-10T07:00:00.000Z']);
    expect(dueRuns('2024-03-10', 3, 'America/New_York')).toEqual(['2024-03-10T07:00:00.000Z']);
    expect(dueRuns('2024-03-10', 1, 'America/New_York')).toEqual(['2024-03-10T06:00:00.000Z']);
    expect(dueRuns('2024-03-10', 9, 'America/New_York')).toEqual(['2024-03-10T13:00:00.000Z']);
  });

  it('on a fall-back day, an hour that happens twice sends once', () => {
    // 2024-11-03 in New York: 01:00 EDT (05:00Z), then 01:00 EST again (06:00Z).
    expect(dueRuns('2024-11-03', 1, 'America/New_York')).toEqual(['2024-11-03T05:00:00.000Z']);
    expect(dueRuns('2024-11-03', 2, 'America/New_York')).toEqual(['2024-11-03T07:00:00.000Z']);
    expect(dueRuns('2024-11-03', 9, 'America/New_York')).toEqual(['2024-11-03T14:00:00.000Z']);
  });

  it('sends every hour of every DST day exactly once, for runs on time or a few minutes late', () => {
    expect(dueRuns('2024-11-03', 1, 'America/New_York', 7)).toEqual(['2024-11-03T05:07:00.000Z']);
    const days = ['2024-03-10', '2024-03-31', '2024-04-07', '2024-10-06', '2024-10-27', '2024-11-03'];
    for (const zone of ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      for (const day of days) {
        for (let hour = 0; hour < 24; hour++) {
          for (const minute of [0, 7])
            expect(dueRuns(day, hour, zone, minute), `${zone} ${day} ${hour}`).toHaveLength(1);
        }
      }
    }
  });
});

describe('digest days and ids', () => {
  it('names the local day, not the UTC one', () => {
    const at = new Date('2024-06-10T02:00:00Z');
    expect(localDay(at, 'America/Los_Angeles')).toEqual({ compact: '20240609', iso: '2024-06-09' });
    expect(localDay(at, 'Asia/Tokyo')).toEqual({ compact: '20240610', iso: '2024-06-10' });
    expect(digestId('0a1b2c3d-0000-4000-8000-000000000001', '20240609')).toBe(
      'dig_0a1b2c3d000040008000000000000001_20240609',
    );
  });

  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
