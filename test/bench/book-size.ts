// `npm run bench`: how a book's cost grows with its size. Drives books of 1,000, 5,000 and 10,000 documents through
// the real API, worker, Temporal dev server (file-backed SQLite, as `npm start` runs it) and PostgreSQL, and prints
// each size's per-document cost as a ratio to the 1,000-document book measured in the same run (flat ≈ 1.0),
// plus the longest history of any run (Temporal's limit is 51,200 events) and the worker's memory.
import { randomUUID } from 'node:crypto';
import { bookWorkflowId } from '../../workflows/book-contract.js';
import { expectStatus, fillBook, startBenchSystem } from './harness.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function main() {
  const { call, client, stop } = await startBenchSystem();
  const rows: Array<{ size: number; seconds: number; msPerDoc: number; runs: number; maxHistory: number }> = [];
  try {
    for (const size of SIZES) {
      const started = performance.now();
      const book = await expectStatus(call('POST', '/v1/books', { name: `Bench ${size}` }), 201);
      const bookUuid = book.book_uuid as string;
      const docs = Array.from({ length: size }, () => randomUUID());
      await fillBook(call, bookUuid, docs, CONCURRENCY);
      await expectStatus(call('POST', `/v1/books/${bookUuid}/seal`), 202);
      const handle = client.workflow.getHandle(bookWorkflowId('bench', bookUuid));
      await handle.result();
      const seconds = (performance.now() - started) / 1000;
      let runs = 0;
      let maxHistory = 0;
      for await (const run of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        runs += 1;
        maxHistory = Math.max(maxHistory, run.historyLength);
      }
      rows.push({ size, seconds, msPerDoc: (seconds * 1000) / size, runs, maxHistory });
      console.log(`book of ${size}: BOOK_COMPLETE → ANALYTICS_COMPLETED in ${seconds.toFixed(1)} s`);
    }
  } finally {
    await stop();
  }

  const baseline = rows[0] as (typeof rows)[number];
  console.log(`\nper-document cost, ratio to the ${baseline.size}-document book of this run (flat ≈ 1.00):`);
  for (const row of rows) {
    console.log(
      `  ${String(row.size).padStart(6)} docs: ${row.seconds.toFixed(1).padStart(6)} s total, ` +
        `${row.msPerDoc.toFixed(2)} ms/doc, ratio ${(row.msPerDoc / baseline.msPerDoc).toFixed(2)}, ` +
        `${row.runs} runs, longest run history ${row.maxHistory} events (limit 51,200)`,
    );
  }
  console.log(`worker + API process RSS: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
