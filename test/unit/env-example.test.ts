import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';
import { fromRoot } from '../../src/paths.js';

// .env.example lists every variable bookbell reads, each commented out with its default: a copy to .env changes
// nothing until a line is uncommented, and what it shows is what bookbell uses.
const lines = readFileSync(fromRoot('.env.example'), 'utf8').split('\n');
const entries = lines.flatMap((line) => {
  const match = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  return match ? [{ name: match[1] as string, value: (match[2] as string).replace(/^"(.*)"$/, '$1') }] : [];
});

describe('.env.example', () => {
  it('names exactly the variables the configuration reads, each once', () => {
    const names = entries.map((entry) => entry.name);
    expect(names.length).toBe(new Set(names).size);
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('shows each default as bookbell applies it', () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    for (const { name, value } of entries.filter((entry) => entry.value !== '')) {
      expect((loadConfig({ [name]: value }) as Record<string, unknown>)[name], name).toEqual(defaults[name]);
    }
  });

  it('says in one line above each variable what it is for', () => {
    for (const [index, line] of lines.entries()) {
      if (!/^# [A-Z][A-Z0-9_]*=/.test(line)) continue;
      expect(lines[index - 1], line).toMatch(/^# \S.*\S$/);
      expect(lines[index - 1], line).not.toMatch(/^# [A-Z][A-Z0-9_]*=/);
    }
  });
});
