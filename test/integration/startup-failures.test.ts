// Every way a newcomer's `npm start` (and `npm run keys`, the postinstall) can fail, staged for real: each exits
// non-zero with one sentence naming the cause and the fix, never a stack or `undefined`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { newKeyEntry } from '../../src/crypto/keyring.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { freePort } from '../support/free-port.js';
import { freePorts } from '../support/npm-start.js';

const root = mkdtempSync(join(tmpdir(), 'bookbell-failures-'));
// Embedded PostgreSQL runs as its own user when we are root: it must be able to enter the folder.
chmodSync(root, 0o755);
const servers: Server[] = [];
const mounts: string[] = [];
let folders = 0;

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  for (const mount of mounts) execFileSync('umount', [mount]);
});

function folder(): string {
  const dir = join(root, `case-${++folders}`);
  mkdirSync(dir, { mode: 0o755 });
  return dir;
}

/** A port held by this process, as another program would hold it. */
async function heldPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Runs a script as `npm` would, with only what a fresh shell has plus `env`, to its end. */
async function run(script: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr: stderr.trim() };
}

/** A failure as the issue asks: non-zero, one or two sentences on stderr, no stack, no `undefined`. */
function expectSentence(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/undefined|\n\s+at /);
  expect(result.stderr.split('\n')).toHaveLength(1);
  expect(result.stderr.match(/[.:] [A-Z]|\.$/g)?.length ?? 0).toBeLessThanOrEqual(2);
}

const start = 'src/bin/start.ts';

describe('npm start refuses with a sentence', () => {
  it.each(['PORT', 'EMBEDDED_PG_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'CODEC_PORT'])(
    'a taken %s: names the port, the variable and what holds it',
    async (variable) => {
      const port = await heldPort();
      const result = await run(start, { ...(await freePorts()), DATA_DIR: folder(), [variable]: String(port) });
      expectSentence(
        result,
        new RegExp(
          `^Port ${port} \\(${variable}\\) is already taken by node \\(pid ${process.pid}\\): .*set ${variable}`,
        ),
      );
    },
  );

  it('a DATA_DIR where a file is in the way', async () => {
    const file = join(folder(), 'not-a-folder');
    writeFileSync(file, '');
    const result = await run(start, { ...(await freePorts()), DATA_DIR: join(file, 'data') });
    expectSentence(result, new RegExp(`because ${file} is a file: .*set DATA_DIR`));
  });

  it('a TEMPORAL_CLI that is not an executable', async () => {
    const file = join(folder(), 'temporal');
    writeFileSync(file, 'not a program');
    const result = await run(start, { ...(await freePorts()), DATA_DIR: folder(), TEMPORAL_CLI: file });
    expectSentence(result, new RegExp(`^TEMPORAL_CLI=${file} is not an executable file: point TEMPORAL_CLI`));
  });

  it('a DATABASE_URL nothing listens on, a wrong password, a database that does not exist', async () => {
    const port = await freePort();
    const nobody = await run(start, {
      ...(await freePorts()),
      DATA_DIR: folder(),
      DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/db`,
    });
    expectSentence(nobody, new RegExp(`^Nothing answers at 127.0.0.1:${port}: .*DATABASE_URL`));

    const real = new URL(inject('databaseUrl'));
    const wrongPassword = new URL(real);
    wrongPassword.password = 'not-the-password';
    const refused = await run(start, {
      ...(await freePorts()),
      DATA_DIR: folder(),
      DATABASE_URL: String(wrongPassword),
    });
    // A server that trusts local connections takes any password: then nothing is refused.
    if (refused.stderr) expectSentence(refused, /refused user .*: fix the user or password in DATABASE_URL\.$/);

    const missing = new URL(real);
    missing.pathname = '/no_such_database';
    const unknown = await run(start, { ...(await freePorts()), DATA_DIR: folder(), DATABASE_URL: String(missing) });
    expectSentence(unknown, /^The database "no_such_database" does not exist at .*: create it \(createdb/);
  });

  it('a TEMPORAL_ADDRESS that does not answer', async () => {
    const port = await freePort();
    const result = await run(start, {
      ...(await freePorts()),
      DATA_DIR: folder(),
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    });
    expectSentence(result, new RegExp(`^Temporal at 127.0.0.1:${port} \\(TEMPORAL_ADDRESS\\) does not answer`));
  });

  it('a full disk under DATA_DIR', async (context) => {
    const mount = folder();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      context.skip(); // mounting needs root (or CAP_SYS_ADMIN)
    }
    mounts.push(mount);
    try {
      writeFileSync(join(mount, 'filler'), Buffer.alloc(128 * 1024));
    } catch {
      // Full, as wanted.
    }
    const result = await run(start, { ...(await freePorts()), DATA_DIR: join(mount, 'data') });
    expectSentence(result, /^The disk holding DATA_DIR .* is full: free some space/);
  });

  it('as root, a DATA_DIR the postgres system user cannot enter', async (context) => {
    if (process.getuid?.() !== 0) context.skip();
    const closed = folder();
    chmodSync(closed, 0o700);
    const result = await run(start, { ...(await freePorts()), DATA_DIR: join(closed, 'data') });
    expectSentence(result, new RegExp(`system user "postgres", which cannot enter ${closed}: .*chmod o\\+x ${closed}`));
  });

  it('starts past a stale postmaster.pid naming a live, unrelated process', async () => {
    const dataDir = folder();
    const env = { ...(await freePorts()), DATA_DIR: dataDir };
    // A first start makes the cluster, then stops at a Temporal CLI that cannot start.
    const failingCli = join(folder(), 'temporal');
    writeFileSync(failingCli, '#!/bin/sh\nexit 3\n');
    chmodSync(failingCli, 0o755);
    const first = await run(start, { ...env, TEMPORAL_CLI: failingCli });
    expectSentence(first, new RegExp(`^The Temporal CLI at ${failingCli} did not start`));
    // After a crash and a reboot, the lock file names a pid that is now another program (this test).
    const lock = join(dataDir, 'postgres', 'postmaster.pid');
    writeFileSync(lock, `${process.pid}\n${join(dataDir, 'postgres')}\n`);
    const second = await run(start, { ...env, TEMPORAL_CLI: failingCli });
    // PostgreSQL started (and stopped cleanly): the failure is Temporal's again, not the lock's.
    expectSentence(second, new RegExp(`^The Temporal CLI at ${failingCli} did not start`));
    expect(existsSync(lock)).toBe(false);
  }, 120_000);
});

describe('npm run api and npm run worker without SECRET_KEYS', () => {
  it.each(['src/bin/api.ts', 'src/bin/worker.ts'])(
    '%s refuses before connecting, naming the variable',
    async (role) => {
      const result = await run(role, {
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DATABASE_URL: inject('databaseUrl'),
        PAYLOAD_KEYS: newKeyEntry('p1'),
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toBe(
        'Invalid configuration:\n  SECRET_KEYS: required for this role (the same in every process, e.g. ' +
          'SECRET_KEYS=k1:$(openssl rand -base64 32))',
      );
    },
  );
});

describe('npm run worker and npm run api without PAYLOAD_KEYS', () => {
  it.each(['worker', 'api'])(
    '%s: names the variable and how to make a key, before connecting anywhere',
    async (role) => {
      const result = await run(`src/bin/${role}.ts`, {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        DATABASE_URL: inject('databaseUrl'),
        SECRET_KEYS: newKeyEntry('k1'),
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toBe(
        'Invalid configuration:\n  PAYLOAD_KEYS: required for this role (the same in every process, e.g. ' +
          'PAYLOAD_KEYS=k1:$(openssl rand -base64 32): they encrypt tenant data in Temporal)',
      );
    },
  );
});

describe('npm run keys without a running npm start', () => {
  it('says to run npm start first', async () => {
    const port = await freePort();
    const result = await run('src/bin/keys.ts', { DATA_DIR: folder(), EMBEDDED_PG_PORT: String(port) }, ['list']);
    expectSentence(
      result,
      new RegExp(`^Nothing answers at 127.0.0.1:${port}: run \`npm start\` in this checkout first`),
    );
  });
});

describe('npm install without Python', () => {
  it('says in one sentence what to install, and does not fail the install', () => {
    const checkout = folder();
    mkdirSync(join(checkout, 'scripts'));
    copyFileSync(
      join(PROJECT_ROOT, 'scripts/provision-temporal.mjs'),
      join(checkout, 'scripts/provision-temporal.mjs'),
    );
    const bin = join(checkout, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
    const result = spawnSync(process.execPath, [join(checkout, 'scripts/provision-temporal.mjs')], {
      env: { PATH: bin },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expectSentence(
      { code: 1, stderr: result.stderr.trim() },
      /^bookbell: the Temporal CLI was not provisioned because no Python 3 was found: install Python 3 with pip/,
    );
    expect(existsSync(join(checkout, '.temporal'))).toBe(false);
  });
});

describe('two checkouts at once, nothing set', () => {
  it('both come up on their own ports, remembered in DATA_DIR/ports.json and printed', async () => {
    const dirs = [folder(), folder()];
    const banners = await Promise.all(dirs.map((dir) => bannerOf({ DATA_DIR: dir })));
    const ports = dirs.map(
      (dir) => JSON.parse(readFileSync(join(dir, 'ports.json'), 'utf8')) as Record<string, number>,
    );
    for (const [i, banner] of banners.entries()) {
      expect(banner.text).toContain(`API: http://127.0.0.1:${ports[i]!.PORT}`);
      expect(banner.text).toMatch(
        new RegExp(`^Ports: PORT=${ports[i]!.PORT} EMBEDDED_PG_PORT=${ports[i]!.EMBEDDED_PG_PORT} `, 'm'),
      );
      banner.child.kill('SIGTERM');
    }
    for (const name of ['PORT', 'EMBEDDED_PG_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'CODEC_PORT']) {
      expect(ports[0]![name]).not.toBe(ports[1]![name]);
    }
    await Promise.all(banners.map((banner) => banner.exited));
  }, 180_000);
});

function bannerOf(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', start], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let text = '';
  return new Promise<{ child: typeof child; text: string; exited: Promise<number | null> }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (/^Ports: .*$/m.test(text)) resolve({ child, text, exited });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${text}`)));
  });
}
