import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartupFailure } from './failure.js';

const STOP_WAIT_MS = 15_000;

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** A zombie has exited; only a parent that does not reap (a container's pid 1) keeps it listed. */
function zombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !zombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks `dataDir` as used by this `npm start` (`bookbell.pid`, removed on exit). A second start on the same data
 * is refused with a sentence; the file of a start that crashed names a pid that is gone, and is taken over.
 */
export function lockDataDir(dataDir: string): void {
  const file = join(dataDir, 'bookbell.pid');
  let pid = 0;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    // No lock: the first start, or the last one stopped cleanly.
  }
  if (pid > 0 && pid !== process.pid && alive(pid)) {
    const line = commandLine(pid);
    // A pid reused by another program after a reboot is not a start.
    if (line === undefined || /node|bookbell|start/.test(line)) {
      throw new StartupFailure(
        `bookbell is already running on DATA_DIR ${dataDir} (pid ${pid}): stop it (Ctrl-C there, or \`kill ${pid}\`), ` +
          'or set DATA_DIR to another folder to run a second one.',
      );
    }
  }
  writeFileSync(file, `${process.pid}\n`);
  process.once('exit', () => rmSync(file, { force: true }));
}

/**
 * A start killed without a chance to stop (SIGKILL, a crashed terminal) leaves its PostgreSQL and Temporal dev server
 * running on its data and ports. With the data folder now ours (see `lockDataDir`), they are stopped and waited for.
 * Returns the pids it stopped.
 */
export async function stopLeftovers(dataDir: string): Promise<number[]> {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
  const leftovers = pids.filter((pid) => {
    const line = commandLine(pid);
    if (!line) return false;
    const postgres = /\/postgres -D /.test(line) && line.includes(join(dataDir, 'postgres'));
    const temporal = /\btemporal server start-dev\b/.test(line) && line.includes(join(dataDir, 'temporal.sqlite'));
    return postgres || temporal;
  });
  for (const pid of leftovers) {
    try {
      // SIGINT is PostgreSQL's fast shutdown; the Temporal CLI stops on it as on Ctrl-C.
      process.kill(pid, 'SIGINT');
    } catch {
      // Gone already.
    }
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  while (leftovers.some(alive) && Date.now() < deadline) await sleep(100);
  return leftovers;
}
