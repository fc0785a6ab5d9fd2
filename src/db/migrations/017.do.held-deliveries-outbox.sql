-- A paused or disabled endpoint holds its deliveries (status HELD) until it is resumed or recovered.
create index deliveries_held_idx on deliveries (tenant_id, webhook_id) where status = 'HELD';

-- Deliveries reopened (a redelivery, a recovery, a resume) and not yet handed to their delivery workflow: written in
-- the transaction that reopens them, deleted once Temporal accepted the signal. The worker sends what is left (the API
-- stopped, Temporal away) once a row is `available_at`: a worker of the row's task queue, so deployments (and test
-- systems) sharing a database but not a Temporal cluster never take each other's rows.
create table delivery_outbox (
  id bigint generated always as identity primary key,
  task_queue text not null,
  tenant_id text not null,
  webhook_id uuid not null,
  book_uuid uuid not null,
  -- [{ "eventId": …, "type": … }] in the book's order.
  events jsonb not null,
  available_at timestamptz not null,
  created_at timestamptz not null default now(),
  foreign key (tenant_id, webhook_id) references webhooks (tenant_id, id) on delete cascade
);

create index delivery_outbox_available_idx on delivery_outbox (task_queue, available_at);
