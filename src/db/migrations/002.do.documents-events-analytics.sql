-- Documents, the events each book emitted (with the full body that delivery will send) and the book's analytics.
-- Written by the book workflow's activities; the workflow itself keeps only each document's status.
alter table books
  add column seal_after_ms bigint,
  add column document_count integer not null default 0,
  add column verified_count integer not null default 0,
  add column rejected_count integer not null default 0;

create index books_tenant_status_created_idx on books (tenant_id, status, created_at desc, book_uuid desc);

create table documents (
  tenant_id text not null,
  book_uuid uuid not null,
  doc_uuid uuid not null,
  -- Null until the upload arrives (a verification result may come first).
  name text,
  mime_type text,
  size_bytes bigint,
  status text not null default 'VERIFYING',
  result text,
  reason text,
  -- What verification extracted from a bank statement; money in integer cents.
  fields jsonb,
  uploaded_at timestamptz,
  verified_at timestamptz,
  primary key (tenant_id, book_uuid, doc_uuid),
  foreign key (tenant_id, book_uuid) references books (tenant_id, book_uuid) on delete cascade
);

create table events (
  tenant_id text not null,
  event_id text not null,
  book_uuid uuid not null,
  event_type text not null,
  doc_uuid uuid,
  occurred_at timestamptz not null,
  payload jsonb not null,
  recorded_at timestamptz not null default now(),
  primary key (tenant_id, event_id),
  foreign key (tenant_id, book_uuid) references books (tenant_id, book_uuid) on delete cascade
);

create index events_book_idx on events (tenant_id, book_uuid, occurred_at, event_id);

create table book_analytics (
  tenant_id text not null,
  book_uuid uuid not null,
  analytics jsonb not null,
  computed_at timestamptz not null default now(),
  primary key (tenant_id, book_uuid),
  foreign key (tenant_id, book_uuid) references books (tenant_id, book_uuid) on delete cascade
);
