-- Webhook endpoints, one delivery per (event, endpoint), and every attempt of it.
create table webhooks (
  tenant_id text not null,
  id uuid not null,
  url text not null,
  events text[] not null,
  description text,
  signature_scheme text not null,
  -- Needed in clear to sign; never logged, never passed through Temporal (activities load it by id).
  secret text not null,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  active boolean not null default true,
  disabled_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, url)
);

create table deliveries (
  tenant_id text not null,
  event_id text not null,
  webhook_id uuid not null,
  book_uuid uuid not null,
  event_type text not null,
  -- PENDING until delivered (DELIVERED) or given up (FAILED).
  status text not null default 'PENDING',
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, event_id, webhook_id),
  foreign key (tenant_id, event_id) references events (tenant_id, event_id) on delete cascade,
  foreign key (tenant_id, webhook_id) references webhooks (tenant_id, id) on delete cascade
);

create index deliveries_webhook_idx on deliveries (tenant_id, webhook_id, created_at desc);

create table delivery_attempts (
  tenant_id text not null,
  event_id text not null,
  webhook_id uuid not null,
  attempt integer not null,
  attempted_at timestamptz not null default now(),
  status_code integer,
  duration_ms integer not null,
  error text,
  response_snippet text,
  primary key (tenant_id, event_id, webhook_id, attempt),
  foreign key (tenant_id, event_id, webhook_id) references deliveries (tenant_id, event_id, webhook_id) on delete cascade
);
