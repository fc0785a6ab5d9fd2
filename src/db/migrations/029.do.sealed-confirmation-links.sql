-- A confirmation message's link holds the token that confirms the address: sealed with SECRET_KEYS like endpoint
-- secrets (src/db/confirmations.ts), so a reader of the database cannot confirm an address that never agreed. Rows
-- written before keep `link` in clear until they are sent or dropped (within a day).
alter table confirmation_outbox alter column link drop not null;
alter table confirmation_outbox add column link_key_id text;
alter table confirmation_outbox add column sealed_link bytea;
