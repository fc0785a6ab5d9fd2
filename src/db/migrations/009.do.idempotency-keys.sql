-- The first answer to a POST carrying an Idempotency-Key, replayed for repeats within 24 hours.
create table idempotency_keys (
  tenant_id text not null,
  key text not null,
  request_hash text not null,
  -- Null while the first request is still being handled.
  status integer,
  response jsonb,
  location text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key)
);
