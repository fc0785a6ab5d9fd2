-- A redelivery starts a new round of attempts: numbering continues after the earlier rounds, and the retry window
-- counts from the round's start.
alter table deliveries
  add column round_base integer not null default 0,
  add column round_started_at timestamptz not null default now();
