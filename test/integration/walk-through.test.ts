import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromRoot, PROJECT_ROOT } from '../../src/paths.js';
import { eventually } from '../support/http.js';
import { startLikeNpmStart, stopStarted, type Started } from '../support/npm-start.js';

/**
 * The README's walk-through, pasted as a reader would: its ```sh walk-through blocks run verbatim in bash beside a
 * real `npm start`. Both run in a network namespace of their own, where the defaults the walk-through names
 * (API on 3000, Temporal on 7233, the receiver on 9000) are free whatever else runs on this machine.
 */

/** The code of every ```sh walk-through block of the README and the docs, in order. */
function walkThrough(): string {
  const files = [fromRoot('README.md'), ...readdirSync(fromRoot('docs')).map((name) => fromRoot(join('docs', name)))];
  return files
    .filter((file) => file.endsWith('.md'))
    .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^```sh walk-through\n([\s\S]*?)^```$/gm)])
    .map((match) => match[1] as string)
    .join('\n');
}

// A network namespace needs root (CI runs as root); curl, ip and nsenter come with the machine.
const canIsolate =
  spawnSync('unshare', ['--net', 'true']).status === 0 &&
  ['curl', 'ip', 'nsenter'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);

const dataDir = mkdtempSync(join(tmpdir(), 'bookbell-walk-through-'));
// Embedded PostgreSQL runs as its own user when we are root: it must be able to enter the folder.
chmodSync(dataDir, 0o755);
let started: Started | undefined;
afterAll(async () => {
  if (started) await stopStarted(started);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `script` in bash inside the network namespace of process `pid`; its output once it ends (all of it). */
function runInNamespaceOf(pid: number, script: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', 'bash', '-c', script], {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Whatever the script left running (the receiver, the stream) goes with its process group.
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const groupAlive = () => {
    try {
      return child.pid !== undefined && process.kill(-child.pid, 0);
    } catch {
      return false;
    }
  };
  return new Promise<{ code: number | null; output: string; leftBehind: boolean }>((resolve) => {
    const timer = setTimeout(() => {
      output += `\n[walk-through still running after ${timeoutMs / 1000} s: stopped]`;
      killGroup();
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // What the script's last line killed may take a moment to exit.
      void eventually(() => expect(groupAlive()).toBe(false), 5_000)
        .then(
          () => false,
          () => true,
        )
        .then((leftBehind) => {
          killGroup();
          resolve({ code, output, leftBehind });
        });
    });
  });
}

describe.skipIf(!canIsolate)("README's walk-through", () => {
  it('runs verbatim against npm start: three deliveries signed, the stream live, the book found in Temporal', async () => {
    const script = walkThrough();
    expect(script).toContain('npm run -s keys');
    const base = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir };
    started = await startLikeNpmStart({ ...base, LOG_LEVEL: 'warn' }, [
      'unshare',
      '--net',
      '--',
      'sh',
      '-c',
      'ip link set lo up && exec "$@"',
      'sh',
    ]);
    expect(started.api).toBe('http://127.0.0.1:3000');

    const { code, output, leftBehind } = await runInNamespaceOf(started.child.pid as number, script, base, 180_000);
    expect(code, output).toBe(0);
    // Its last line stops what it started in the background: the receiver and the stream.
    expect(leftBehind, 'a process the walk-through started outlived it').toBe(false);
    // The receiver checked each delivery's signature with the secret the registration returned.
    expect(output.match(/signature valid/g), output).toHaveLength(3);
    expect(output).not.toMatch(/signature INVALID/);
    // The live stream showed the book, then its changes as they happened.
    for (const event of ['book', 'document', 'event', 'delivery', 'analytics', 'book.status']) {
      expect(output, event).toMatch(new RegExp(`^event: ${event.replace('.', '\\.')}$`, 'm'));
    }
    expect(output).toContain('"status":"ANALYTICS_COMPLETE"');
    // Temporal's CLI lists the book's workflow by its search attribute.
    expect(output).toMatch(/book:acme:[0-9a-f-]{36}/);
    // examples/crm.ts, through the typed client: the book finished, its documents paged, a typed problem.
    expect(output).toMatch(/^book ANALYTICS_COMPLETE$/m);
    expect(output).toMatch(/^document 10\.pdf: VERIFICATION_COMPLETE\ndocument 11\.pdf: VERIFICATION_COMPLETE$/m);
    expect(output).toMatch(/^refused: 409 book-sealed: /m);
    expect(await stopStarted(started)).toBe(0);
  }, 300_000);
});
