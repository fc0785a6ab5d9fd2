// Builds the console bundle (dist/console) when its sources changed since the last build: run by `npm start`
// (prestart) and the tests' global setup, so a fresh clone serves a working console without `npm run build`.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONSOLE_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(CONSOLE_DIR);
const OUT_DIR = join(ROOT, 'dist', 'console');
/** What the bundle is made of: the console, the client and contract it imports, and the installed packages. */
const INPUTS = [
  CONSOLE_DIR,
  join(ROOT, 'src', 'client'),
  join(ROOT, 'src', 'contract'),
  join(ROOT, 'node_modules', '.package-lock.json'),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** Whether dist/console is missing or older than any of its inputs. */
export function consoleIsStale(): boolean {
  const built = join(OUT_DIR, 'index.html');
  return !existsSync(built) || Math.max(...INPUTS.map(newestMtime)) > statSync(built).mtimeMs;
}

/**
 * Builds into a private folder, then swaps it in, so a server (or a concurrent build) never sees a half-written
 * bundle. Returns whether it built.
 */
export async function ensureConsoleBuilt(options: { force?: boolean } = {}): Promise<boolean> {
  if (!options.force && !consoleIsStale()) return false;
  const staging = `${OUT_DIR}.${process.pid}.tmp`;
  // Loaded only when building: an up-to-date start skips Vite altogether.
  const { build } = await import('vite');
  await build({
    configFile: join(CONSOLE_DIR, 'vite.config.ts'),
    build: { outDir: staging, emptyOutDir: true },
    logLevel: 'warn',
  });
  rmSync(OUT_DIR, { recursive: true, force: true });
  try {
    renameSync(staging, OUT_DIR);
  } catch {
    // A concurrent build swapped its identical bundle in first.
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  ensureConsoleBuilt({ force })
    .then((built) => console.log(built ? `Console built in ${OUT_DIR}` : 'Console bundle is up to date.'))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
