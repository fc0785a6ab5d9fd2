// `npm run drill`: fault drills against the whole system as a cluster runs it — `npm run worker` and `npm run api` as
// processes of their own, a file-backed dev server, PostgreSQL, a receiver that checks every signature. Each drill
// injects its faults in the middle of a burst of books and prints one row: events expected, delivered, repeated
// (only ever with the same webhook-id) and lost, which must be 0. DRILL_BOOKS, DRILL_DOCS, DRILL_CONCURRENCY size the
// bursts; DRILL_ONLY=<words> runs the drills whose names contain them ("hostile" for the hostile receivers alone:
// one misbehaving receiver per behaviour, a row each; "mail" for the hostile mail servers). Each drill also compares what the CRM was
// acknowledged with PostgreSQL (documents, events, deliveries) and counts WorkflowTaskFailed / WorkflowTaskTimedOut
// in every history it ran; each has a deadline of 10 minutes (drills.ts).
import { benchNumber, printTable, startBenchInfra } from '../bench/harness.js';
import { runMain } from '../bench/shutdown.js';
import { printTaskFailures } from '../bench/task-failures.js';
import { drillFailures, type DrillOutcome } from './audit.js';
import { ALL_DRILLS, runDrill, type DrillScale } from './drills.js';
import { hostileMailFailures, runHostileMailDrill, type HostileMailRow } from './hostile-mail.js';
import { hostileFailures, runHostileReceiversDrill, type HostileRow } from './hostile-receivers.js';

const HOSTILE_BOOKS = 2;
const HOSTILE_DOCS = 2;

const scale: DrillScale = {
  books: benchNumber('DRILL_BOOKS', 20, 3),
  docs: benchNumber('DRILL_DOCS', 10, 4),
  concurrency: benchNumber('DRILL_CONCURRENCY', 16, 8),
};

async function main() {
  const infra = await startBenchInfra();
  const outcomes: DrillOutcome[] = [];
  let hostile: HostileRow[] = [];
  let hostileMail: HostileMailRow[] = [];
  const only = process.env.DRILL_ONLY;
  try {
    for (const spec of ALL_DRILLS.filter((d) => !only || d.name.includes(only))) {
      const outcome = await runDrill(infra, scale, spec);
      outcomes.push(outcome);
      console.log(`${outcome.drill}: ${outcome.delivered}/${outcome.expected} delivered, ${outcome.lost} lost`);
      console.log(`[${outcome.drill}] ${outcome.recorded}`);
      const note = outcome.taskTimeoutsExpected ? ' (timeouts expected: the drill kills a worker or the server)' : '';
      printTaskFailures(outcome.drill, outcome.taskFailures, note);
    }
    if (!only || 'hostile receivers'.includes(only)) {
      hostile = await runHostileReceiversDrill(infra, HOSTILE_BOOKS, HOSTILE_DOCS);
    }
    if (!only || 'hostile mail servers'.includes(only)) hostileMail = await runHostileMailDrill(infra);
  } finally {
    await infra.stop();
  }
  console.log(
    `\nFault drills: ${scale.books} books × ${scale.docs} documents per drill (${scale.books * (scale.docs + 2)} ` +
      `events to one endpoint), ${scale.concurrency} concurrent CRM requests:\n`,
  );
  printTable(
    [
      'drill',
      'faults injected',
      'CRM retries',
      'expected',
      'delivered',
      'reported failed',
      'duplicates',
      'other id',
      'lost',
      'unrecorded',
      'not DELIVERED',
      'WFT failed',
      'WFT timed out',
      's',
    ],
    outcomes.map((o) => [
      o.drill,
      o.faults,
      String(o.retried),
      String(o.expected),
      String(o.delivered),
      String(o.reportedFailed),
      String(o.duplicates),
      String(o.foreignIds),
      String(o.lost),
      String(o.unrecorded),
      String(o.notDelivered),
      String(o.taskFailures.failed),
      `${o.taskFailures.timedOut}${o.taskTimeoutsExpected ? '' : ' (none expected)'}`,
      o.seconds.toFixed(1),
    ]),
    2,
  );
  console.log(
    '\nunrecorded: acknowledged uploads/results/book events missing in PostgreSQL; not DELIVERED: rows in ' +
      '`deliveries` (FAILED is expected past a retry window); WFT: WorkflowTaskFailed / WorkflowTaskTimedOut in ' +
      'every history of the drill (a timeout is expected only where a worker or the server is killed).',
  );
  for (const o of outcomes) {
    for (const [cause, count] of o.taskFailures.causes) console.log(`  ${o.drill}: ${count} × ${cause}`);
  }
  const perEndpoint = HOSTILE_BOOKS * (HOSTILE_DOCS + 2);
  if (hostile.length > 0) {
    console.log(
      `\nHostile receivers: one endpoint per behaviour, ${HOSTILE_BOOKS} books × ${HOSTILE_DOCS} documents ` +
        `(${perEndpoint} deliveries each), delivery window 6 s, timeout 1 s:\n`,
    );
    printTable(
      ['behaviour', 'expected', 'requests', 'attempts logged', 'outcome', 'repeats after success', 'open at the end'],
      hostile.map((r) => [
        r.behaviour,
        r.expected,
        String(r.requests),
        String(r.attempts),
        r.outcome,
        String(r.repeatsAfterSuccess),
        String(r.open),
      ]),
      2,
    );
  }
  const hostileFailed = hostile.filter((r) => hostileFailures(r, perEndpoint).length > 0);
  if (hostileFailed.length > 0) {
    console.log(
      `\nFAILED: ${hostileFailed.map((r) => `${r.behaviour} (${hostileFailures(r, perEndpoint).join(', ')})`).join('; ')}`,
    );
    process.exitCode = 1;
  }
  if (hostileMail.length > 0) {
    console.log(
      '\nHostile mail servers: one SMTP server taking each behaviour in turn, an e-mail endpoint and a book each ' +
        '(1 delivery), delivery window 6 s, timeout 1 s:\n',
    );
    printTable(
      ['behaviour', 'expected', 'connections', 'attempts logged', 'outcome', 'repeats', 'open', 'sockets left'],
      hostileMail.map((r) => [
        r.behaviour,
        r.expected,
        String(r.connections),
        String(r.attempts),
        r.outcome,
        String(r.repeatsAfterSuccess),
        String(r.open),
        String(r.socketsLeft),
      ]),
      2,
    );
  }
  const mailFailed = hostileMail.filter((r) => hostileMailFailures(r).length > 0);
  if (mailFailed.length > 0) {
    console.log(
      `\nFAILED: ${mailFailed.map((r) => `${r.behaviour} (${hostileMailFailures(r).join(', ')})`).join('; ')}`,
    );
    process.exitCode = 1;
  }
  const failed = outcomes.filter((o) => drillFailures(o).length > 0);
  console.log(
    failed.length === 0
      ? '\nNothing lost, everything acknowledged recorded, no workflow task failed; every repeat carried its ' +
          'event’s webhook-id.'
      : `\nFAILED: ${failed.map((o) => `${o.drill} (${drillFailures(o).join(', ')})`).join('; ')}`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

runMain(main);
