-- No statement reads a book's events by occurred_at any more (pages go by seq, the feed by xid and seq, single events
-- by their key), and every event written paid for it.
drop index if exists events_book_idx;
