import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { replayTraced, type Trace } from './traced-replay.js';

const dir = fromRoot('test/replay/histories');
const histories = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .sort();

// Every recorded history must replay on today's workflow code: a change that would break running books fails here.
// Record new ones with `npx tsx test/replay/record-history.ts <scenario> <name>`; never edit old ones, and delete
// one only when a retired `patched()` branch leaves it unreplayable (re-record its scenario: see docs/testing.md).
//
// Temporal's replay check compares only the commands' types and ids. Each replay here also traces its steps
// (traced-replay.ts: every `patched()` asked and its answer, activity with its summary and a hash of its input, timer
// and its duration, search attribute upsert, signal, update, continue-as-new and result), and the traces of all
// histories must equal history-traces.txt: a `patched()` moved, a summary, an input or a timer changed for old books
// fails here with a diff. When such a change is intended, update that file deliberately with
// `npx vitest run test/replay -u` and review its diff.
const traces = new Map<string, Promise<Trace>>();
const traceOf = (file: string): Promise<Trace> => {
  let trace = traces.get(file);
  if (!trace) {
    trace = replayTraced(`${dir}/${file}`, file.replace(/\.json$/, ''));
    traces.set(file, trace);
  }
  return trace;
};

describe('replay of recorded book histories', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories)('%s replays deterministically', async (file) => {
    await expect(traceOf(file)).resolves.toBeDefined();
  });

  it('each history replays the steps of history-traces.txt', async () => {
    const sections: string[] = [];
    for (const file of histories) {
      const { workflowType, steps } = await traceOf(file);
      sections.push([`## ${file} (${workflowType})`, ...steps].join('\n'));
    }
    await expect(`${sections.join('\n\n')}\n`).toMatchFileSnapshot('./history-traces.txt');
  });
});
