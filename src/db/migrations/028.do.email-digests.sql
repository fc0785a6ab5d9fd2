-- E-mail digests: an e-mail endpoint mails each event as it happens (each, as before), one summary per book once its
-- analytics are done (book), or one digest a day at its own hour in its own time zone (daily).
alter table endpoints
  add column mail_mode text not null default 'each',
  add column digest_hour smallint,
  add column digest_time_zone text,
  -- A daily endpoint's first digest counts the events written after this transaction (when it became daily).
  add column digest_from_xid xid8;
alter table endpoints add constraint endpoints_mail_mode check (
  mail_mode in ('each', 'book', 'daily')
  and (mail_mode = 'each' or email is not null)
  and ((mail_mode = 'daily') = (digest_hour is not null and digest_time_zone is not null and digest_from_xid is not null))
  and (digest_hour is null or digest_hour between 0 and 23));
create index endpoints_daily_idx on endpoints (mail_mode) where mail_mode = 'daily';

-- One digest per daily endpoint and local day (`dig_<endpoint>_<yyyymmdd>`: a second run the same day finds it), for
-- the tenant's events in the event feed's order after (after_xid, after_seq) up to (until_xid, until_seq). Retried
-- and logged like a delivery; a digest that does not get through leaves its events to the next one.
create table digests (
  tenant_id text not null,
  id text not null,
  endpoint_id uuid not null,
  local_day date not null,
  after_xid xid8 not null,
  after_seq bigint not null,
  until_xid xid8 not null,
  until_seq bigint not null,
  event_count integer not null,
  status text not null default 'PENDING',
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id) on delete cascade
);
create index digests_endpoint_idx on digests (tenant_id, endpoint_id, created_at desc);

create table digest_attempts (
  tenant_id text not null,
  digest_id text not null,
  attempt integer not null,
  attempted_at timestamptz not null default now(),
  status_code integer,
  duration_ms integer not null,
  error text,
  response_snippet text,
  primary key (tenant_id, digest_id, attempt),
  foreign key (tenant_id, digest_id) references digests (tenant_id, id) on delete cascade
);
