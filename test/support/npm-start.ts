import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { PROJECT_ROOT } from '../../src/paths.js';
import { freePort } from './free-port.js';

/** Every port variable of `npm start` free and explicit: a test's start collides with nothing else running. */
export async function freePorts(): Promise<NodeJS.ProcessEnv> {
  return {
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    CODEC_PORT: String(await freePort()),
  };
}

export interface Started {
  child: ChildProcess;
  api: string;
  ui: string;
  key: string;
  output: () => string;
}

/**
 * Runs `npm start`'s entry point as a user would and waits for its banner. `wrapper` runs it through another command
 * first (e.g. `unshare` for a network of its own): it must exec the rest, so the child is the start itself.
 */
export async function startLikeNpmStart(env: NodeJS.ProcessEnv, wrapper: string[] = []): Promise<Started> {
  const command = [...wrapper, process.execPath, '--import', 'tsx', 'src/bin/start.ts'];
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return untilBanner(child);
}

/**
 * Runs `npm start` itself (npm, then bookbell) as a terminal runs its foreground job: in a process group of its own,
 * whose id is the child's pid, so `process.kill(-pid, 'SIGINT')` is a Ctrl-C.
 */
export async function npmStartInItsOwnGroup(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: PROJECT_ROOT,
    env: { npm_config_update_notifier: 'false', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return untilBanner(child);
}

async function untilBanner(child: ChildProcessByStdio<null, Readable, Readable>): Promise<Started> {
  let output = '';
  const banner = new Promise<{ api: string; ui: string; key: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /^API: (\S+)$/m.exec(output)?.[1];
      const ui = /^Temporal UI: (\S+)$/m.exec(output)?.[1];
      const key = /^API key: (\S+)$/m.exec(output)?.[1];
      if (api && ui && key) {
        clearTimeout(timer);
        resolve({ api, ui, key });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  try {
    return { child, ...(await banner), output: () => output };
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
}

/** Stops a start as Ctrl-C would and gives its exit code. */
export async function stopStarted(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  return exited;
}
