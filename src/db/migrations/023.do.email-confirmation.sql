-- E-mail consent: an address gets one confirmation message and nothing else until someone there confirms it. Only
-- the token's hash is kept; deliveries wait HELD meanwhile and are sent once it is confirmed.
alter table endpoints add column confirmed_at timestamptz;
alter table endpoints add column confirmation_token_hash text;
-- E-mail endpoints created before the rule keep receiving.
update endpoints set confirmed_at = created_at where email is not null;
create unique index endpoints_confirmation_token_key on endpoints (confirmation_token_hash)
  where confirmation_token_hash is not null;

-- Confirmation messages to send, written in the transaction that creates (or re-addresses) the endpoint or asks for
-- a resend: the API sends at once and deletes the row; a worker of the row's task queue sends what is left once a
-- row is `available_at`. `link` holds the token itself until then, and goes with the row.
create table confirmation_outbox (
  id bigint generated always as identity primary key,
  task_queue text not null,
  tenant_id text not null,
  endpoint_id uuid not null,
  email text not null,
  link text not null,
  available_at timestamptz not null,
  created_at timestamptz not null default now(),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id) on delete cascade
);
create index confirmation_outbox_available_idx on confirmation_outbox (task_queue, available_at);

-- Mails a tenant asked for directly (test events, confirmations), counted per tenant and per address over the last
-- MAIL_RATE_WINDOW for the limits; older rows are deleted as the tenant's next mail is counted.
create table mail_sends (
  tenant_id text not null,
  email text not null,
  sent_at timestamptz not null default now()
);
create index mail_sends_tenant_idx on mail_sends (tenant_id, sent_at);
create index mail_sends_address_idx on mail_sends (tenant_id, email, sent_at);
