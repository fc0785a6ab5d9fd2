import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { testDataConverter } from '../support/payload-keys.js';
import { workflowBundle } from '../support/system.js';
import { replayTraced } from './traced-replay.js';

const dir = fromRoot('test/replay/histories');
const histories = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .sort();

// Every recorded history must replay on today's workflow code: a change that would break running books fails here.
// Record new ones with `npx tsx test/replay/record-history.ts <scenario> <name>`; never edit old ones, and delete
// one only when a retired `patched()` branch leaves it unreplayable (re-record its scenario: see docs/testing.md).
//
// Temporal's replay check compares only the commands' types and ids. Each history is also replayed on a tracing
// bundle (traced-replay.ts: every `patched()` asked and its answer, activity with its summary and a hash of its
// input, timer and its duration, search attribute upsert, signal, update, continue-as-new and result), and the traces
// of all histories must equal history-traces.txt: a `patched()` moved, a summary, an input or a timer changed for
// old books fails here with a diff. When such a change is intended, update that file deliberately with
// `npx vitest run test/replay -u` and review its diff.
describe('replay of recorded book histories', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  // On the bundle the worker runs, nothing added.
  it.each(histories)('%s replays deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')));
    await expect(
      Worker.runReplayHistory(
        // With the roles' codec: histories recorded in the clear pass through it, as old books' do.
        { workflowBundle: await workflowBundle(), dataConverter: testDataConverter() },
        history,
        file.replace(/\.json$/, ''),
      ),
    ).resolves.toBeUndefined();
  });

  it('each history replays the steps of history-traces.txt', async () => {
    const sections: string[] = [];
    for (const file of histories) {
      const { workflowType, steps } = await replayTraced(`${dir}/${file}`, file.replace(/\.json$/, ''));
      sections.push([`## ${file} (${workflowType})`, ...steps].join('\n'));
    }
    await expect(`${sections.join('\n\n')}\n`).toMatchFileSnapshot('./history-traces.txt');
  });
});
