-- One row per book a tenant created: the durable record of the create request, its idempotency key
-- (tenant_id, book_uuid) and the index for listing. The book's live state lives in its workflow.
create table books (
  tenant_id text not null,
  book_uuid uuid not null,
  name text not null,
  metadata jsonb not null default '{}'::jsonb,
  status text not null default 'CREATED',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, book_uuid)
);

create index books_tenant_created_idx on books (tenant_id, created_at desc, book_uuid desc);
