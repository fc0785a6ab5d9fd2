-- Set by a book's recording activity (activities/record-book-changes.ts) while it runs: before it ends it reads the
-- results and seal request stored meanwhile (src/db/log-reads.ts). Until then the API stores them here and
-- acknowledges them without a signal, so a burst to one book costs one workflow task per recording instead of one per
-- signal. The read clears it, under the book's row lock, once it finds nothing new; it lapses by itself (a lease) if
-- no read ever comes, and messages are then signalled again.
alter table books add column reads_log_until timestamptz;

-- Stored while the book's recording was to read the log: no signal announced it, the read brings it to the book.
alter table verification_results add column unsignalled boolean not null default false;
create index verification_results_unsignalled_idx on verification_results (tenant_id, book_uuid, id) where unsignalled;
