// The sender of the "plain signed POSTs" phase (test/bench/plain-posts.ts), a process of its own as bookbell's worker
// is: the burst's events (PLAIN_BOOKS books of 18 VERIFICATION_COMPLETE, BOOK_COMPLETE and ANALYTICS_COMPLETED), each
// body built by bookbell's body builder, signed by its signing function and POSTed by its sender (undici, keep-alive,
// the same destination check), PLAIN_CONCURRENCY at a time, to PLAIN_URL. No Temporal, no database, no causal order,
// no attempt log: what delivering the burst costs at the least. It builds the list, says "plain sender ready", and
// sends on SIGUSR1, so the driver's clock starts the burst.
import { randomUUID } from 'node:crypto';
import { analyzeStatements } from '../../src/analytics/bank-statements.js';
import type { DocumentCounts } from '../../src/contract/book.js';
import { EndpointSender } from '../../src/delivery/send.js';
import { signatureHeaders } from '../../src/delivery/signing.js';
import { DestinationPolicy } from '../../src/delivery/ssrf.js';
import { renderBody } from '../../src/events/formats/index.js';
import { buildEventPayload, type PayloadContext } from '../../src/events/payloads.js';
import type { EmittedEvent } from '../../workflows/book-model.js';
import { inParallel } from '../support/books.js';
import { DOCS_PER_BOOK } from './burst.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name}: required`);
  return value;
};
const url = required('PLAIN_URL');
const secret = required('PLAIN_SECRET');
const books = Number(required('PLAIN_BOOKS'));
const concurrency = Number(required('PLAIN_CONCURRENCY'));
/** The receiver's attempt timeout, as a delivery's default. */
const TIMEOUT_MS = 10_000;

interface PlainEvent {
  bookUuid: string;
  event: EmittedEvent;
  context: PayloadContext;
}

const counts = (verified: number): DocumentCounts => ({
  total: DOCS_PER_BOOK,
  verifying: DOCS_PER_BOOK - verified,
  verified,
  rejected: 0,
});

/** One book's events as the burst makes them: a result for each document, then the seal's two events. */
function bookEvents(n: number): PlainEvent[] {
  const bookUuid = randomUUID();
  const bookName = `Burst ${n}`;
  const docs = Array.from({ length: DOCS_PER_BOOK }, () => randomUUID());
  const eventId = (kind: string, docUuid = '') => `evt_${kind}_${bookUuid}${docUuid && `_${docUuid}`}`;
  const occurredAt = () => new Date().toISOString();
  return [
    ...docs.map((docUuid, i) => ({
      bookUuid,
      event: {
        eventId: eventId('vc', docUuid),
        type: 'VERIFICATION_COMPLETE' as const,
        occurredAt: occurredAt(),
        docUuid,
        result: 'SUCCEEDED' as const,
        bookStatus: 'UPLOAD' as const,
        counts: counts(i + 1),
      },
      context: { bookName, docName: 'stmt.pdf' },
    })),
    {
      bookUuid,
      event: {
        eventId: eventId('bc'),
        type: 'BOOK_COMPLETE',
        occurredAt: occurredAt(),
        bookStatus: 'COMPLETE',
        counts: counts(DOCS_PER_BOOK),
      },
      context: { bookName, uploadedDocs: docs.map((uuid) => ({ uuid, status: 'VERIFICATION_COMPLETE' as const })) },
    },
    {
      bookUuid,
      event: {
        eventId: eventId('ac'),
        type: 'ANALYTICS_COMPLETED',
        occurredAt: occurredAt(),
        bookStatus: 'ANALYTICS_COMPLETE',
        counts: counts(DOCS_PER_BOOK),
      },
      // The burst's results carry no statement fields: an empty analysis, as bookbell's books get.
      context: { bookName, analytics: analyzeStatements([]) },
    },
  ];
}

async function main() {
  const events = Array.from({ length: books }, (_, n) => bookEvents(n)).flat();
  const sender = new EndpointSender(new DestinationPolicy(['127.0.0.1']));
  // A signal listener alone does not keep the process alive (with --cpu-prof it exited here): the timer does.
  const waiting = setInterval(() => {}, 60_000);
  const go = new Promise((resolve) => process.once('SIGUSR1', resolve));
  console.log(JSON.stringify({ msg: 'plain sender ready', events: events.length }));
  await go;
  clearInterval(waiting);
  const cpuBefore = process.cpuUsage();
  const failures: string[] = [];
  await inParallel(events, concurrency, async ({ bookUuid, event, context }) => {
    const body = renderBody('bookbell', buildEventPayload(bookUuid, event, context));
    const headers = signatureHeaders({ scheme: 'standard', secret }, event.eventId, new Date(), body);
    const result = await sender.send(url, body, headers, TIMEOUT_MS);
    if (result.outcome.kind !== 'delivered') failures.push(`${event.eventId}: ${result.outcome.kind} ${result.error}`);
  });
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({ msg: 'plain sender done', sent: events.length, failed: failures.slice(0, 5), cpuSeconds }),
  );
  await sender.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
