#!/usr/bin/env node
// `npm run temporal -- workflow list` runs the project's provisioned Temporal CLI (or the one on PATH).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const local = join(dirname(fileURLToPath(import.meta.url)), '..', '.temporal', 'bin', 'temporal');
const cli = process.env.TEMPORAL_CLI || (existsSync(local) ? local : 'temporal');
const result = spawnSync(cli, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`Could not run the Temporal CLI (${cli}): ${result.error.message}. Run \`npm install\` first.`);
  process.exit(1);
}
process.exit(result.status ?? 1);
