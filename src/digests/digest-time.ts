/**
 * When a daily digest is due: pure functions of an instant, an hour and an IANA time zone (through Intl, so DST
 * follows the zone's rules). The digest run comes every hour; each run covers the hour of wall time before it.
 */

/** Whether `zone` is an IANA time zone this runtime knows (Intl throws a RangeError on any other). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time at `instant` in `zone`. */
export function wallTime(instant: Date, zone: string): WallTime {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** A wall time as a number that orders like it (milliseconds, as if the wall clock were UTC). */
const wallMs = (wall: WallTime, hour = wall.hour, minute = wall.minute) =>
  Date.UTC(wall.year, wall.month - 1, wall.day, hour, minute);

const HOUR_MS = 3_600_000;

/**
 * Whether the run at `at` sends the digest of an endpoint mailing at `hour` o'clock in `zone`: the wall clock passed
 * `hour`:00 of today during the hour before `at`. So each local day has exactly one due run, DST included: on a
 * spring-forward day whose `hour` does not exist (02:00 in New York) it is the run that jumps over it; on a fall-back
 * day whose `hour` happens twice, only the first (the second run's hour of wall time goes backwards and passes nothing).
 */
export function isDigestDue(at: Date, hour: number, zone: string): boolean {
  const now = wallTime(at, zone);
  const before = wallTime(new Date(at.getTime() - HOUR_MS), zone);
  const target = wallMs(now, hour, 0);
  return wallMs(before) < target && target <= wallMs(now);
}

/** The local day of `at` in `zone`, as `yyyymmdd` (a digest's id) and `yyyy-mm-dd` (its date). */
export function localDay(at: Date, zone: string): { compact: string; iso: string } {
  const { year, month, day } = wallTime(at, zone);
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { compact: iso.replaceAll('-', ''), iso };
}

/** A digest's id: stable per endpoint and local day, so a retried or repeated run finds the one it made. */
export const digestId = (endpointId: string, day: string): string => `dig_${endpointId.replace(/-/g, '')}_${day}`;
