import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Where the built console lands; the API serves it from here (see src/api/console-routes.ts). */
export const CONSOLE_OUT_DIR = fileURLToPath(new URL('../dist/console', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // Vite 8 transforms TSX with oxc: Preact's automatic JSX runtime.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: CONSOLE_OUT_DIR, emptyOutDir: true, target: 'es2022', sourcemap: true },
  logLevel: 'warn',
});
