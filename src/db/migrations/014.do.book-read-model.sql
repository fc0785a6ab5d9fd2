-- PostgreSQL is the read model: GET /v1/books/:id and the stream's first message read the book from here alone, never
-- from its workflow (which may have no worker). The workflow stays the only writer of its decisions: its activities
-- write these columns in the transactions that record its events (so a read and the stream never disagree).
alter table books
  add column sealed_at timestamptz,
  -- request | seal_after
  add column sealed_by text,
  -- The occurred_at of BOOK_COMPLETE and ANALYTICS_COMPLETED.
  add column completed_at timestamptz,
  add column analyzed_at timestamptz;

-- Books recorded before: the events give the exact times; the seal's request is within moments of the seal itself.
update books b set completed_at = e.occurred_at
from events e
where e.tenant_id = b.tenant_id and e.book_uuid = b.book_uuid and e.event_type = 'BOOK_COMPLETE';
update books b set analyzed_at = e.occurred_at
from events e
where e.tenant_id = b.tenant_id and e.book_uuid = b.book_uuid and e.event_type = 'ANALYTICS_COMPLETED';
update books set sealed_at = seal_requested_at,
                 sealed_by = case when seal_after_ms is null then 'request' end
where status in ('SEALED', 'COMPLETE', 'ANALYTICS_COMPLETE') and seal_requested_at is not null;

-- A repeat of a stored result changes nothing in the book, but the book view lists it among the ignored results:
-- how many repeats came after the stored one, and when the last did.
alter table verification_results
  add column repeats integer not null default 0,
  add column last_received_at timestamptz;
