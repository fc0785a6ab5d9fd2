import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { testDataConverter } from '../support/payload-keys.js';
import { workflowBundle } from '../support/system.js';

const dir = fromRoot('test/replay/histories');
const histories = readdirSync(dir).filter((file) => file.endsWith('.json'));

// Every recorded history must replay on today's workflow code: a change that would break running books fails here.
// Record new ones with `npx tsx test/replay/record-history.ts <scenario> <name>`; never edit old ones, and delete
// one only when a retired `patched()` branch leaves it unreplayable (re-record its scenario: see docs/testing.md).
describe('replay of recorded book histories', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

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
});
