// `npm run bench`: every part in turn, each a process of its own (as `npx tsx test/bench/<part>.ts` runs it alone),
// then every target of issue "Performance" the parts printed, together. A part that fails stops the run (the parts
// after it would measure a machine it may have left busy); the targets measured until then are still printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { met, printTargetTable, TARGETS_FILE_ENV, type Target } from './targets.js';

const PARTS = ['body-sizes', 'throughput', 'book-size', 'open-books', 'delivery-outage', 'retention-soak'];

const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs one part; resolves to its exit code (killed by a signal counts as failed). */
function runPart(part: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, join(here, `${part}.ts`)], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** What the parts appended to the targets file so far (nothing if none got as far as its targets). */
function readPrinted(file: string): Target[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Target[]);
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bookbell-bench-targets-'));
  const file = join(dir, 'targets.jsonl');
  // Ctrl-C reaches the running part too (one process group): it stops its servers, and this process waits for it.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  const byPart: Array<{ part: string; targets: Target[] }> = [];
  let failed: string | undefined;
  const began = performance.now();
  try {
    for (const part of PARTS) {
      console.log(`\n=== npm run bench: ${part} (test/bench/${part}.ts) ===`);
      const before = readPrinted(file).length;
      const code = await runPart(part, { ...process.env, [TARGETS_FILE_ENV]: file });
      const targets = readPrinted(file).slice(before).flat();
      if (targets.length > 0) byPart.push({ part, targets });
      if (code !== 0) {
        failed = part;
        break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const minutes = ((performance.now() - began) / 60_000).toFixed(1);
  console.log(`\n=== npm run bench: every target of issue "Performance" this run measured (${minutes} min) ===`);
  for (const { part, targets } of byPart) {
    console.log(`\n${part}:\n`);
    printTargetTable(targets);
  }
  const all = byPart.flatMap(({ targets }) => targets);
  console.log(`\n${all.filter(met).length} of ${all.length} met.`);
  if (failed) console.error(`npm run bench: ${failed} failed; the parts after it did not run.`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
