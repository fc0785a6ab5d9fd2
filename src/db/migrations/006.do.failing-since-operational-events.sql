-- An endpoint failing without a break since `failing_since` is disabled after DISABLE_AFTER, and that is recorded as
-- an operational event (webhook.disabled) for the tenant.
alter table webhooks add column failing_since timestamptz;

create table operational_events (
  tenant_id text not null,
  id uuid not null,
  event_type text not null,
  webhook_id uuid,
  occurred_at timestamptz not null default now(),
  payload jsonb not null,
  primary key (tenant_id, id)
);

create index operational_events_tenant_idx on operational_events (tenant_id, occurred_at desc);
