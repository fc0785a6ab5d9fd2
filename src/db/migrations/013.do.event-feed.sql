-- The tenant-wide event feed (GET /v1/events and /v1/events/stream). Each event keeps the transaction that wrote it;
-- the feed is ordered by (xid, seq) and a reader only releases events whose transaction is older than the oldest one
-- still running (its snapshot's xmin), as the book change log does (010). Ordered by seq alone, a reader could pass
-- a smaller seq whose transaction commits after a larger one's, and skip it for good.
--
-- Events written before this migration all get its xid: among them the order is seq, their insertion order.
alter table events add column xid xid8 not null default pg_current_xact_id();

create index events_feed_idx on events (tenant_id, xid, seq);
create index events_feed_type_idx on events (tenant_id, event_type, xid, seq);
create index events_feed_book_idx on events (tenant_id, book_uuid, xid, seq);
