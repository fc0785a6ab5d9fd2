-- An endpoint's filter (src/contract/endpoint-filter.ts; null: every subscribed event) and what it has skipped since
-- it was last set, for the console ("12 events skipped by the filter since ..."). Both counters reset when the filter
-- changes.
alter table endpoints add column filter jsonb;
alter table endpoints add column skipped_count bigint not null default 0;
alter table endpoints add column skipped_since timestamptz;

-- One row per (event, endpoint) the filter skipped: a skipped event has no delivery, so this is what makes a retried
-- fan-out count it once (the counter grows by the rows an insert adds). Pruned with the book's other rows.
create table filter_skips (
  tenant_id text not null,
  book_uuid uuid not null,
  event_id text not null,
  endpoint_id uuid not null,
  skipped_at timestamptz not null default now(),
  primary key (tenant_id, book_uuid, event_id, endpoint_id),
  foreign key (tenant_id, event_id) references events (tenant_id, event_id) on delete cascade,
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id) on delete cascade
);
create index filter_skips_endpoint_idx on filter_skips (tenant_id, endpoint_id);
