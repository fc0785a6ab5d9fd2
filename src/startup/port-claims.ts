import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Two `npm start`s at once both find port 3000 free before either binds it. A start claims each port it chose with
// a file named after the port (created exclusively, holding its pid) and the other skips it; a claim whose pid is
// gone is stale. Claims end with the process.
const CLAIMS = join(tmpdir(), 'bookbell-port-claims');
const mine = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of another live process that claimed `port`, or undefined once this process holds the claim. */
export function claimPort(port: number): number | undefined {
  const file = join(CLAIMS, String(port));
  try {
    mkdirSync(CLAIMS, { recursive: true });
    chmodSync(CLAIMS, 0o1777);
  } catch {
    // Shared with another user who made it first, or no /tmp: claims are a courtesy, so go without.
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      if (mine.size === 0) process.once('exit', releasePorts);
      mine.add(file);
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
      const pid = Number(readText(file));
      if (pid === process.pid) return undefined;
      if (pid > 0 && alive(pid)) return pid;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}

/** Drops this process's claims (also done on exit). */
export function releasePorts(): void {
  for (const file of mine) rmSync(file, { force: true });
  mine.clear();
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
