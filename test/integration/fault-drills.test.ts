import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startBenchInfra, type BenchInfra } from '../bench/harness.js';
import type { DrillOutcome } from '../drill/audit.js';
import {
  apiKilled,
  receiverOutagePastWindow,
  runDrill,
  temporalRestarted,
  workerKilled,
  type DrillScale,
} from '../drill/drills.js';

// The cheap fault drills, small: `npm run drill` runs all of them bigger and prints the summary. Each drill runs
// `npm run worker` and `npm run api` as processes of their own against a file-backed dev server of this file's own
// (one drill restarts it) and a receiver that checks every signature.
const SCALE: DrillScale = { books: 3, docs: 4, concurrency: 8 };

let infra: BenchInfra;
beforeAll(async () => {
  infra = await startBenchInfra({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await infra?.stop();
});

/** Nothing lost, and a repeat only ever under its event's own webhook-id (a receiver can drop it). */
function expectNothingLost(outcome: DrillOutcome) {
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ lost: 0, foreignIds: 0 });
  expect(outcome.expected).toBe(SCALE.books * (SCALE.docs + 2));
}

describe('fault drills', () => {
  it('a worker killed (SIGKILL) mid-burst and another started: every event delivered', async () => {
    const outcome = await runDrill(infra, SCALE, workerKilled);
    expectNothingLost(outcome);
    expect(outcome.delivered).toBe(outcome.expected);
    // The books the killed worker held wait for it up to the sticky timeout (1 minute, src/temporal/worker.ts).
  }, 180_000);

  it('the dev server stopped mid-book and started again on its SQLite file: every book completes', async () => {
    const outcome = await runDrill(infra, SCALE, temporalRestarted);
    expectNothingLost(outcome);
    expect(outcome.delivered).toBe(outcome.expected);
  }, 90_000);

  it('the API killed mid-burst: every 202 honoured, every unanswered request retried safely', async () => {
    const outcome = await runDrill(infra, SCALE, apiKilled);
    expectNothingLost(outcome);
    expect(outcome.delivered).toBe(outcome.expected);
    expect(outcome.retried).toBeGreaterThan(0);
  }, 120_000);

  it('a receiver down past the retry window: every event reported FAILED, none silently lost', async () => {
    const outcome = await runDrill(infra, SCALE, receiverOutagePastWindow);
    expectNothingLost(outcome);
    expect(outcome.reportedFailed).toBe(outcome.expected);
  }, 90_000);
});
