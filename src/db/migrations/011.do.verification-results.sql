-- The intake log: every verification result and seal request the API acknowledged, stored before its 202. The book
-- workflow decides what they mean; this log lets it check, before BOOK_COMPLETE, after every continue-as-new and when
-- it has been quiet for a while, that it missed none (a message Temporal acknowledged but the workflow never applied,
-- or an event it decided but never recorded): a lost message then costs a delay, never an event.
create table verification_results (
  id bigserial primary key,
  tenant_id text not null,
  book_uuid uuid not null,
  doc_uuid uuid not null,
  result text not null,
  reason text,
  -- Normalised statement fields (money in integer cents).
  fields jsonb,
  received_at timestamptz not null default now(),
  foreign key (tenant_id, book_uuid) references books (tenant_id, book_uuid) on delete cascade
);

-- One row per document and result: a repeat of the same result (a CRM retry) adds nothing, so the log stays within
-- two rows per document; the first of each is the one that counts.
create unique index verification_results_doc_result_idx on verification_results (tenant_id, book_uuid, doc_uuid, result);

alter table books add column seal_requested_at timestamptz;

-- Set by a book's workflow while it hands over to its next run (continue-as-new): until then the API stores results
-- and seal requests here and acknowledges them without signalling, so no message lands on a run that is closing (the
-- server would refuse the close: UNHANDLED_COMMAND); the next run clears it and reads the log first.
alter table books add column continuing_until timestamptz;

-- The check's question: which documents have a result but no VERIFICATION_COMPLETE event.
create index events_book_doc_idx on events (tenant_id, book_uuid, doc_uuid) where event_type = 'VERIFICATION_COMPLETE';
