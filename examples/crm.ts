// A CRM's side of a book, through the typed client: `API=… KEY=… npx tsx examples/crm.ts` (the README's walk-through
// runs it). A CRM imports the same from 'bookbell/client'; this checkout imports it from its sources.
import { randomUUID } from 'node:crypto';
import { BookbellClient, isProblem, items } from '../src/client/index.js';

const client = new BookbellClient({ baseUrl: process.env.API ?? 'http://127.0.0.1:3000', apiKey: process.env.KEY });

const book = await client.createBook({ name: 'Q4 statements', metadata: { loan: 'L-1043' } });
console.log(`book ${book.book_uuid}: ${book.status}`);
// Watch it live: the stream says when it is done, no polling.
const done = (async () => {
  for await (const message of client.streamBook(book.book_uuid)) {
    // The first message is the whole book (it may have finished already), then each change.
    const status = message.event === 'book' || message.event === 'book.status' ? message.data.status : undefined;
    if (status) console.log(`book ${status}`);
    if (status === 'ANALYTICS_COMPLETE') return;
  }
})();

for (const [month, end] of [
  ['10', '31'],
  ['11', '30'],
] as const) {
  // Our own doc_uuid: a retried upload is then the same upload.
  const { doc_uuid } = await client.uploadDocument(book.book_uuid, { doc_uuid: randomUUID(), name: `${month}.pdf` });
  await client.submitVerification(book.book_uuid, doc_uuid, {
    result: 'SUCCEEDED',
    fields: {
      account_id: 'CHK-1',
      period_start: `2026-${month}-01`,
      period_end: `2026-${month}-${end}`,
      starting_balance: month === '10' ? '1000.00' : '1250.00',
      ending_balance: month === '10' ? '1250.00' : '1400.00',
      total_deposits: '3000.00',
      total_withdrawals: month === '10' ? '2750.00' : '2850.00',
      nsf_count: 0,
    },
  });
}
await client.sealBook(book.book_uuid);
await done;

// Every list pages by next_cursor; items() follows it.
for await (const doc of items((cursor) => client.listBookDocuments(book.book_uuid, { limit: 1, cursor }))) {
  console.log(`document ${doc.name}: ${doc.status}`);
}
// A problem is thrown typed: branch on its code.
try {
  await client.uploadDocument(book.book_uuid, { name: 'late.pdf' });
} catch (err) {
  if (!isProblem(err, 'book-sealed')) throw err;
  console.log(`refused: ${err.status} ${err.code}: ${err.detail}`);
}
