-- Retention (src/db/retention.ts): what ages out is deleted on a schedule in batches of at most 5,000 rows. Every
-- batch finds its rows through an index below, never by reading a whole table.

-- A finished book's detail (documents, intake log, events with their deliveries and attempts, analytics) is removed
-- once it is older than RETAIN_FINISHED_BOOKS; the books row stays as its summary. `pruned_at`: since when (every
-- route of the book but the list answers 410 book-expired from then); `pruning`: its rows are still being deleted.
alter table books
  add column pruned_at timestamptz,
  add column pruning boolean not null default false;

-- Finished books whose detail is still kept, oldest first.
create index books_prunable_idx on books (analyzed_at) where status = 'ANALYTICS_COMPLETE' and pruned_at is null;
create index books_pruning_idx on books (tenant_id, book_uuid) where pruning;

-- A book's deliveries (the prune's "none pending" check and its deletes; GET …/events reads them too).
create index deliveries_book_idx on deliveries (tenant_id, book_uuid, status);

create index delivery_attempts_attempted_idx on delivery_attempts (attempted_at);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
create index book_changes_changed_idx on book_changes (changed_at);
create index operational_events_occurred_idx on operational_events (occurred_at);

-- How far each tenant's event feed has been pruned: the largest (xid, seq) of a deleted event. A feed cursor before it
-- may have had events deleted after it, so it is refused (410 cursor-expired) rather than resumed with a silent gap.
create table event_feed_horizons (
  tenant_id text primary key,
  xid xid8 not null,
  seq bigint not null
);

-- The same for the book change log (one row): a Last-Event-ID before it restarts the book's stream with its snapshot.
create table book_change_horizon (
  only_row boolean primary key default true check (only_row),
  xid xid8 not null,
  id bigint not null
);
