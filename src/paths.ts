import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding bookbell's package.json, whether running from sources (tsx) or from dist/. */
export const PROJECT_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bookbell: cannot find the project root (package.json)');
    dir = parent;
  }
  return dir;
})();

/** Resolves a path relative to the project root (absolute paths pass through). */
export function fromRoot(path: string): string {
  return resolve(PROJECT_ROOT, path);
}
