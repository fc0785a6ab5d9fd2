// Ctrl-C on `npm start` in a terminal: the terminal sends SIGINT to its whole foreground process group — npm, bookbell,
// and whatever of bookbell shares that group — and npm relays it once more to the process it started.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, request } from '../support/http.js';
import { freePorts, npmStartInItsOwnGroup, type Started } from '../support/npm-start.js';

const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-ctrl-c-'));
// Embedded PostgreSQL runs as its own user when we are root: it must be able to enter the folder.
chmodSync(dataDir, 0o755);
let started: Started | undefined;

afterAll(() => {
  const pid = started?.child.pid;
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone: all of it exited.
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Command lines of the processes running on `dir` (PostgreSQL's data, Temporal's SQLite file). */
function runningOn(dir: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')];
      } catch {
        return [];
      }
    })
    .filter((line) => line.includes(dir));
}

describe.skipIf(process.platform !== 'linux')('Ctrl-C on npm start', () => {
  it('stops the API and the worker before PostgreSQL and Temporal: exit 0, no warnings, nothing left running', async () => {
    started = await npmStartInItsOwnGroup({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(await freePorts()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    });
    const { child, api, key } = started;
    // Something for the worker and both pools to hold when the signal comes: a book's workflow and its rows.
    const bookUuid = randomUUID();
    const auth = { authorization: `Bearer ${key}` };
    expect((await request(api, 'POST', '/v1/books', { book_uuid: bookUuid, name: 'Ctrl-C' }, auth)).status).toBe(201);
    await eventually(async () =>
      expect((await request(api, 'GET', `/v1/books/${bookUuid}`, undefined, auth)).body.status).toBe('UPLOAD'),
    );
    expect(runningOn(dataDir).length).toBeGreaterThan(0);

    // Every output stream closed: npm and everything that wrote to it have exited.
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await closed;

    const output = started.output();
    const stop = output.slice(output.indexOf('"msg":"shutting down"'));
    expect(output.match(/"msg":"shutting down"/g), output).toHaveLength(1);
    // PostgreSQL and Temporal stopped last, by bookbell: none of its clients lost a connection under its feet, and
    // the relayed copies of the one Ctrl-C were not taken for a second one.
    expect(
      stop.split('\n').filter((line) => /"level":(4|5|6)\d|"level":"(WARN|ERROR)"|second signal/.test(line)),
      stop,
    ).toEqual([]);
    expect(code, output).toBe(0);
    expect(runningOn(dataDir)).toEqual([]);
  }, 120_000);
});
