-- GET /v1/summary counts the books completed and the verifications failed since a time (at most a month back): each
-- from a partial index holding only those rows, so a count reads what it counts and never the whole table.
create index books_completed_idx on books (tenant_id, completed_at) where completed_at is not null;

create index events_failed_verifications_idx on events (tenant_id, occurred_at)
  where event_type = 'VERIFICATION_COMPLETE' and payload->>'result' = 'FAILED';
