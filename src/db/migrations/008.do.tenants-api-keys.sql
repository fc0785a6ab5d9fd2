-- Tenants and their API keys. Only a key's SHA-256 is stored (keys are 190 random bits: a slow hash adds nothing),
-- with a short prefix so people can tell their keys apart.
create table tenants (
  id text primary key,
  created_at timestamptz not null default now()
);

create table api_keys (
  id uuid primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  name text,
  prefix text not null,
  key_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create index api_keys_tenant_idx on api_keys (tenant_id, created_at);
