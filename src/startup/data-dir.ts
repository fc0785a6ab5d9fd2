import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeFailure, errorCode, StartupFailure } from './failure.js';

/**
 * Makes sure `npm start` can keep its data in `dataDir` (created if missing), or says in a sentence why not and what
 * to do: a file in the way, no permission, a read-only or full disk.
 */
export function ensureDataDir(dataDir: string): string {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = join(dataDir, `.write-test-${process.pid}`);
    writeFileSync(probe, 'bookbell\n');
    rmSync(probe, { force: true });
    return dataDir;
  } catch (err) {
    throw new StartupFailure(explain(dataDir, err), { cause: err });
  }
}

function explain(dataDir: string, err: unknown): string {
  const code = errorCode(err);
  const fix = 'set DATA_DIR to a folder you can write';
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const file = firstFile(dataDir);
    return `DATA_DIR ${dataDir} cannot be a folder because ${file ?? 'a path on the way'} is a file: move that file away or ${fix}.`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `DATA_DIR ${dataDir} is not writable by this user: give it to this user (chown) or ${fix}.`;
  }
  if (code === 'EROFS') return `DATA_DIR ${dataDir} is on a read-only file system: ${fix}.`;
  if (code === 'ENOSPC')
    return `The disk holding DATA_DIR ${dataDir} is full: free some space (df -h) and start again.`;
  return `DATA_DIR ${dataDir} is not usable (${describeFailure(err)}): ${fix}.`;
}

/** The first path from `path` up that exists and is not a folder. */
function firstFile(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  return chain.find((p) => existsSync(p) && !statSync(p).isDirectory());
}
