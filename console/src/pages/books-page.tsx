import { useState } from 'preact/hooks';
import { useApi } from '../api.js';
import type { BookSummary, BookView } from '../api-types.js';
import { Badge, ErrorNotice, Loading, PageTitle } from '../components.js';
import { BOOK_STATUS, formatCount, formatDateTime } from '../format.js';
import { Link } from '../router.js';
import { SummaryBar } from '../summary-bar.js';
import { useLoad } from '../use-load.js';

const PAGE_SIZE = 25;

/** The tenant's books, newest first, searchable by name or id. */
export function BooksPage() {
  const api = useApi();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<BookView['status'] | ''>('');
  const [query, setQuery] = useState({ q: '', status: '' as BookView['status'] | '' });
  const [more, setMore] = useState<BookSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);

  const pageOf = (cursor?: string, signal?: AbortSignal) =>
    api.listBooks({ limit: PAGE_SIZE, q: query.q || undefined, status: query.status || undefined, cursor }, { signal });
  const first = useLoad(
    async (signal) => {
      const page = await pageOf(undefined, signal);
      setMore([]);
      setCursor(page.next_cursor);
      return page;
    },
    [query],
  );
  const loadMore = async () => {
    if (!cursor) return;
    const page = await pageOf(cursor);
    setMore((books) => [...books, ...page.data]);
    setCursor(page.next_cursor);
  };
  const books = [...(first.data?.data ?? []), ...more];

  return (
    <>
      <PageTitle title="Books">Books</PageTitle>
      <SummaryBar />
      <form
        class="toolbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery({ q: search.trim(), status });
        }}
      >
        <div class="field">
          <label for="book-search">Search by name or book id</label>
          <input
            id="book-search"
            type="search"
            value={search}
            placeholder="e.g. Q3 statements"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="book-status">Status</label>
          <select id="book-status" value={status} onChange={(event) => setStatus(event.currentTarget.value as '')}>
            <option value="">Any</option>
            {Object.entries(BOOK_STATUS).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
        <button type="button" class="button-secondary" onClick={first.reload}>
          Refresh
        </button>
      </form>
      {first.error && <ErrorNotice error={first.error} action="Loading the books" />}
      {!first.data && first.loading && <Loading what="books" />}
      {first.data && books.length === 0 && (
        <p class="empty">{query.q || query.status ? 'No book matches.' : 'No books yet: create one over the API.'}</p>
      )}
      {books.length > 0 && <BooksTable books={books} />}
      {cursor && (
        <button type="button" class="button-secondary" onClick={() => void loadMore()}>
          Show more books
        </button>
      )}
    </>
  );
}

function BooksTable({ books }: { books: BookSummary[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Books, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Book</th>
            <th scope="col">Status</th>
            <th scope="col" class="number">
              Verified
            </th>
            <th scope="col" class="number">
              Failed
            </th>
            <th scope="col" class="number">
              Pending
            </th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {books.map((book) => {
            const counts = book.document_counts;
            const status = BOOK_STATUS[book.status];
            return (
              <tr key={book.book_uuid}>
                <th scope="row">
                  <Link href={`/books/${book.book_uuid}`}>{book.name}</Link>
                  <div class="id">{book.book_uuid}</div>
                </th>
                <td>
                  <Badge tone={status.tone}>{status.label}</Badge>
                </td>
                <td class="number">{formatCount(counts.verified)}</td>
                <td class={counts.rejected > 0 ? 'number text-bad' : 'number'}>{formatCount(counts.rejected)}</td>
                <td class="number">{formatCount(counts.verifying)}</td>
                <td>
                  <Progress verified={counts.verified} rejected={counts.rejected} total={counts.total} />
                </td>
                <td>{formatDateTime(book.created_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Verified and failed shares of the documents, as a bar with a text equivalent. */
export function Progress({ verified, rejected, total }: { verified: number; rejected: number; total: number }) {
  const done = verified + rejected;
  const share = (n: number) => (total === 0 ? 0 : (n / total) * 100);
  return (
    <div class="progress" role="img" aria-label={`${done} of ${total} documents done`}>
      <span class="progress-good" style={{ width: `${share(verified)}%` }} />
      <span class="progress-bad" style={{ width: `${share(rejected)}%` }} />
    </div>
  );
}
