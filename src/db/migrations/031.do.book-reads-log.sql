-- Set by a book's recording activity (activities/record-book-changes.ts) while it runs: before it ends it reads the
-- results and seal request stored meanwhile (src/db/log-reads.ts). Until then the API stores them here and
-- acknowledges them without a signal, so a burst to one book costs one workflow task per recording instead of one per
-- signal. The read clears it, under the book's row lock, once it finds nothing new; it lapses by itself (a lease) if
-- no read ever comes, and messages are then signalled again.
alter table books add column reads_log_until timestamptz;

-- Stored while the book's recording was to read the log: no signal announced it, the read brings it to the book.
alter table verification_results add column unsignalled boolean not null default false;
create index verification_results_unsignalled_idx on verification_results (tenant_id, book_uuid, id) where unsignalled;

-- The request that stored a result or asked for the seal (X-Request-Id): a message the book reads instead of hearing
-- it by signal still shows its request in the book's history, in the read that took it in.
alter table verification_results add column request_id text;
alter table books add column seal_request_id text;

-- The last result id a read of the log returned, and how often a worker's sweep has nudged the book since: a promise
-- that lapsed with results stored after this (its signal never left: the API stopped in between) is kept by the
-- sweep, which signals the book (src/temporal/log-nudges.ts), less often the longer the book does not read.
-- The task queue of the deployment whose API or worker made the promise: only its own workers' sweeps keep it (one
-- database may serve several deployments, each with its own Temporal namespace, task queue and payload keys).
alter table books add column log_read_through bigint, add column read_nudges integer not null default 0,
  add column reads_log_queue text;
create index books_reads_log_until_idx on books (reads_log_until) where reads_log_until is not null;
