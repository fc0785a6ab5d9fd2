import { useState } from 'preact/hooks';
import { asApiError, useApi, type ApiError } from '../api.js';
import { AnalyticsView } from '../analytics.js';
import type { BookDocument, BookView } from '../api-types.js';
import { useBookStream, type Connection } from '../book-stream.js';
import { Badge, ErrorNotice, Loading, PageTitle, TemporalLink } from '../components.js';
import { DeliveryLog } from '../delivery-log.js';
import { BOOK_STATUS, DOCUMENT_STATUS, formatCount, formatDateTime } from '../format.js';
import { Link } from '../router.js';
import { useLoad } from '../use-load.js';
import { askToNotifyOnce, useWatched, watchedBooks } from '../watched-books.js';
import { Progress } from './books-page.js';

/** One book, live from its stream: documents, events, analytics and deliveries. */
export function BookPage({ bookUuid }: { bookUuid: string }) {
  const api = useApi();
  const { book, error, connection, deliveryChanges, loadMore } = useBookStream(api, bookUuid);

  if (error && (error.status === 404 || error.status === 400)) {
    return (
      <>
        <PageTitle title="Book not found">Book not found</PageTitle>
        <p class="notice notice-bad" role="alert">
          No book <code>{bookUuid}</code> in your tenant: it never existed, or it belongs to another tenant.
        </p>
        <p>
          <Link href="/">Back to the books</Link>
        </p>
      </>
    );
  }
  if (error) return <ErrorNotice error={error} action="Opening the book" />;
  if (!book) return <Loading what="the book" />;

  const status = BOOK_STATUS[book.status];
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <Link href="/">Books</Link> <span aria-hidden="true">/</span> {book.name}
      </nav>
      <div class="page-head">
        <PageTitle title={book.name}>{book.name}</PageTitle>
        <Badge tone={status.tone}>{status.label}</Badge>
        <LiveIndicator connection={connection} />
        <WatchToggle bookUuid={book.book_uuid} />
      </div>
      <BookFacts book={book} />

      <section aria-labelledby="documents-heading">
        <h2 id="documents-heading">Documents</h2>
        <dl class="stats" aria-live="polite">
          <Stat label="Verified" value={book.document_counts.verified} tone="good" />
          <Stat label="Failed" value={book.document_counts.rejected} tone="bad" />
          <Stat label="Pending" value={book.document_counts.verifying} tone="waiting" />
          <Stat label="Total" value={book.document_counts.total} />
        </dl>
        <Progress {...book.document_counts} />
        <DocumentsTable documents={book.documents} total={book.document_counts.total} />
        {book.documents_next_cursor && <LoadMore what="documents" load={() => loadMore('documents')} />}
      </section>

      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <EventsTable events={book.events} />
        {book.events_next_cursor && <LoadMore what="events" load={() => loadMore('events')} />}
      </section>

      <section aria-labelledby="analytics-heading">
        <h2 id="analytics-heading">Analytics</h2>
        {book.analytics ? (
          <AnalyticsView analytics={book.analytics} documents={book.documents} />
        ) : (
          <p class="empty">The analytics appear here once the book is complete (ANALYTICS_COMPLETED).</p>
        )}
      </section>

      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries</h2>
        <BookDeliveries bookUuid={book.book_uuid} refreshKey={deliveryChanges} />
      </section>
    </>
  );
}

function LiveIndicator({ connection }: { connection: Connection }) {
  const text = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[connection];
  return (
    <span class={`live live-${connection}`} role="status" title="Changes appear here as they happen">
      {text}
    </span>
  );
}

/**
 * Watching a book alerts its completion and failed verifications while the console is open (see AlertCenter). The
 * first Watch asks for desktop notifications; when they are not allowed, the page says once that alerts stay here.
 */
function WatchToggle({ bookUuid }: { bookUuid: string }) {
  const watched = useWatched(bookUuid);
  const [notice, setNotice] = useState<string>();
  const toggle = async () => {
    watchedBooks.set(bookUuid, !watched);
    if (!watched) setNotice(await askToNotifyOnce());
  };
  return (
    <>
      <button type="button" class="button-secondary" onClick={() => void toggle()}>
        {watched ? 'Stop watching' : 'Watch this book'}
      </button>
      {notice && (
        <p class="notice notice-info watch-notice" role="status">
          {notice}
        </p>
      )}
    </>
  );
}

/** When the book sealed, as far as the page knows (the stream's status changes do not carry the time). */
function sealedText(book: BookView): string {
  if (book.sealed_at) {
    const by = book.sealed_by === 'seal_after' ? `after ${book.seal_after ?? ''} without activity` : 'on request';
    return `${formatDateTime(book.sealed_at)} (${by})`;
  }
  if (book.status !== 'CREATED' && book.status !== 'UPLOAD') return 'yes';
  return book.seal_after ? `not yet (seals after ${book.seal_after} without activity)` : 'not yet';
}

function BookFacts({ book }: { book: BookView }) {
  const metadata = Object.entries(book.metadata);
  const completedAt = book.completed_at ?? book.events.find((e) => e.event_name === 'BOOK_COMPLETE')?.occurred_at;
  return (
    <dl class="facts facts-inline">
      <dt>Book id</dt>
      <dd class="id">{book.book_uuid}</dd>
      <dt>Created</dt>
      <dd>{formatDateTime(book.created_at)}</dd>
      <dt>Sealed</dt>
      <dd>{sealedText(book)}</dd>
      {completedAt && (
        <>
          <dt>Complete</dt>
          <dd>{formatDateTime(completedAt)}</dd>
        </>
      )}
      {metadata.length > 0 && (
        <>
          <dt>Metadata</dt>
          <dd>{metadata.map(([key, value]) => `${key}: ${String(value)}`).join(', ')}</dd>
        </>
      )}
      <dt>Workflow</dt>
      <dd>
        <TemporalLink query={`BookUuid="${book.book_uuid}" AND WorkflowType="bookWorkflow"`}>
          Open in the Temporal UI
        </TemporalLink>
      </dd>
    </dl>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone?: 'good' | 'bad' | 'waiting' }) {
  return (
    <div class={tone ? `stat stat-${tone}` : 'stat'}>
      <dt>{label}</dt>
      <dd>{formatCount(value)}</dd>
    </div>
  );
}

/** The next page of a list the book view lists only the start of: 100 more at a time, kept live by the stream. */
function LoadMore({ what, load }: { what: string; load: () => Promise<void> }) {
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError>();
  const click = async () => {
    setLoading(true);
    setError(undefined);
    try {
      await load();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setLoading(false);
    }
  };
  return (
    <>
      <button type="button" class="button-secondary" onClick={() => void click()} disabled={loading}>
        {loading ? `Loading ${what}…` : `Load more ${what}`}
      </button>
      {error && <ErrorNotice error={error} action={`Loading more ${what}`} />}
    </>
  );
}

/** The documents loaded so far (the first 100, then a page per "Load more"), filtered by status on the page. */
function DocumentsTable({ documents, total }: { documents: BookDocument[]; total: number }) {
  const [filter, setFilter] = useState<BookDocument['status'] | ''>('');
  if (documents.length === 0) return <p class="empty">No documents yet.</p>;
  const shown = filter ? documents.filter((doc) => doc.status === filter) : documents;
  return (
    <>
      <div class="toolbar">
        <div class="field">
          <label for="document-filter">Show documents</label>
          <select id="document-filter" value={filter} onChange={(event) => setFilter(event.currentTarget.value as '')}>
            <option value="">All</option>
            {Object.entries(DOCUMENT_STATUS).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Documents of the book</caption>
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Uploaded</th>
              <th scope="col">Verified</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((doc) => {
              const status = DOCUMENT_STATUS[doc.status];
              return (
                <tr key={doc.doc_uuid}>
                  <th scope="row">
                    {doc.name ?? <span class="muted">(not uploaded yet)</span>}
                    <div class="id">{doc.doc_uuid}</div>
                  </th>
                  <td>
                    <Badge tone={status.tone}>{status.label}</Badge>
                  </td>
                  <td>{doc.reason ?? <span class="muted">—</span>}</td>
                  <td>{formatDateTime(doc.uploaded_at)}</td>
                  <td>{formatDateTime(doc.verified_at)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {documents.length < total && (
        <p class="muted">
          Showing {formatCount(documents.length)} of {formatCount(total)} documents.
        </p>
      )}
    </>
  );
}

function EventsTable({ events }: { events: BookView['events'] }) {
  if (events.length === 0) return <p class="empty">No events yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Events the book emitted, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Severity</th>
            <th scope="col">What happened</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.event_id}>
              <th scope="row">{event.event_name}</th>
              <td>{event.status}</td>
              <td>
                <Badge tone={event.severity === 'HIGH' ? 'bad' : event.severity === 'MODERATE' ? 'waiting' : 'neutral'}>
                  {event.severity}
                </Badge>
              </td>
              <td>{event.notification_reason}</td>
              <td>{formatDateTime(event.occurred_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The book's latest deliveries to every endpoint (a page of the newest 100); reloads when the stream reports a
 * delivery change.
 */
function BookDeliveries({ bookUuid, refreshKey }: { bookUuid: string; refreshKey: number }) {
  const api = useApi();
  const endpoints = useLoad((signal) => api.listEndpoints({}, { signal }), []);
  const labels = new Map((endpoints.data?.data ?? []).map((w) => [w.id, w.url ?? w.email ?? w.id]));
  return (
    <DeliveryLog
      refreshKey={refreshKey}
      load={async (status, signal) => {
        const page = await api.listBookDeliveries(bookUuid, { limit: 100, status }, { signal });
        return page.data;
      }}
      describe={(delivery) => (
        <>
          to{' '}
          <Link href={`/endpoints/${delivery.endpoint_id}`}>{labels.get(delivery.endpoint_id) ?? 'an endpoint'}</Link>
        </>
      )}
    />
  );
}
