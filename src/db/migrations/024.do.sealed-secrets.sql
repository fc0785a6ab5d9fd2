-- Signing secrets sealed with SECRET_KEYS (AES-256-GCM, src/crypto/keyring.ts): iv ‖ ciphertext ‖ tag, and the id of
-- the key that sealed it. SQL has no key, so the clear columns stay until the application seals what they hold on its
-- next start (src/db/sealing.ts) and sets them to null; from then on nothing writes them.
alter table endpoints
  add column secret_sealed bytea,
  add column secret_key_id text,
  add column previous_secret_sealed bytea,
  add column previous_secret_key_id text,
  alter column secret drop not null;

-- A stored answer to a POST with an Idempotency-Key (some return a secret) is sealed the same way.
alter table idempotency_keys
  add column response_sealed bytea,
  add column response_key_id text;

-- API keys either read (GET and HEAD only) or do everything; the existing ones keep doing everything.
alter table api_keys add column scope text not null default 'full' check (scope in ('read', 'full'));
