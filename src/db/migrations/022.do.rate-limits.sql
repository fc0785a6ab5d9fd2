-- Limits against abuse (docs/security.md).
--
-- An endpoint's outbound rate: at most this many deliveries a second, across every book of the tenant. Null: no
-- limit.
alter table endpoints add column rate_limit integer check (rate_limit between 1 and 10000);

-- The next free send slot of each rate-limited endpoint: a delivery reserves slots here before it sends, so every
-- worker process spaces its sends on one schedule. Unlogged: after a crash it starts empty, which only forgets a few
-- reservations.
create unlogged table endpoint_send_slots (
  tenant_id text not null,
  endpoint_id uuid not null,
  next_at timestamptz not null,
  -- How many slots the last reservation took (read back by the reserving statement).
  reserved integer not null,
  primary key (tenant_id, endpoint_id),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id) on delete cascade
);

-- Attempts (Temporal activity attempts) of this round that waited for the endpoint's rate limit instead of sending:
-- they are not delivery attempts, so they count neither in the attempt numbers nor on the retry schedule.
alter table deliveries add column rate_waits integer not null default 0;

-- One token bucket per tenant for its API requests, shared by every API process. Unlogged: written on every
-- request, it must cost no WAL; a crash refills every bucket.
create unlogged table api_rate_buckets (
  tenant_id text primary key,
  tokens double precision not null,
  -- How many tokens the last taking got (read back by the taking statement).
  granted integer not null,
  refilled_at timestamptz not null
);
