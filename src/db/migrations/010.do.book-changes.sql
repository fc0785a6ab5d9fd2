-- The change log behind GET /v1/books/:id/stream. Triggers write one row per change to a book's documents, events,
-- deliveries, status or analytics, in the writing transaction, and NOTIFY book_changes (one notification per book
-- per transaction: PostgreSQL folds identical payloads). Rows point at what changed; the stream reads the current
-- state when it sends, so a late-committing older write can never overwrite a newer state on a client.
--
-- `xid` is the writing transaction. A reader only releases rows whose transaction is older than the oldest one still
-- running (its snapshot's xmin): those rows are final, so (xid, id) is a total order that resumes exactly with
-- Last-Event-ID, without locks between writers.
create table book_changes (
  id bigserial,
  xid xid8 not null default pg_current_xact_id(),
  tenant_id text not null,
  book_uuid uuid not null,
  -- document | event | delivery | book.status | analytics
  kind text not null,
  -- doc_uuid, event_id or "event_id.webhook_id"; '' for the book itself.
  key text not null,
  changed_at timestamptz not null default now(),
  primary key (id)
);

create index book_changes_book_idx on book_changes (tenant_id, book_uuid, xid, id);

create function record_book_change() returns trigger language plpgsql as $$
declare
  change_key text;
begin
  -- Separate branches: a row of one table has none of the other tables' key columns.
  if tg_argv[0] = 'document' then
    change_key := new.doc_uuid::text;
  elsif tg_argv[0] = 'event' then
    change_key := new.event_id;
  elsif tg_argv[0] = 'delivery' then
    change_key := new.event_id || '.' || new.webhook_id::text;
  else
    change_key := '';
  end if;
  insert into book_changes (tenant_id, book_uuid, kind, key) values (new.tenant_id, new.book_uuid, tg_argv[0], change_key);
  perform pg_notify('book_changes', new.tenant_id || '/' || new.book_uuid::text);
  return null;
end
$$;

-- Updates that change nothing (an activity's retry rewriting the same values) are not changes.
create trigger documents_inserted after insert on documents
  for each row execute function record_book_change('document');
create trigger documents_updated after update on documents
  for each row when (old.* is distinct from new.*) execute function record_book_change('document');
create trigger events_recorded after insert on events
  for each row execute function record_book_change('event');
create trigger deliveries_inserted after insert on deliveries
  for each row execute function record_book_change('delivery');
create trigger deliveries_updated after update on deliveries
  for each row when (old.* is distinct from new.*) execute function record_book_change('delivery');
create trigger books_progressed after update on books
  for each row
  when ((old.status, old.document_count, old.verified_count, old.rejected_count)
        is distinct from (new.status, new.document_count, new.verified_count, new.rejected_count))
  execute function record_book_change('book.status');
create trigger analytics_inserted after insert on book_analytics
  for each row execute function record_book_change('analytics');
create trigger analytics_updated after update on book_analytics
  for each row when (old.analytics is distinct from new.analytics) execute function record_book_change('analytics');
