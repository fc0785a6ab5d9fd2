-- Events of one workflow task share a timestamp; the insertion order is the order the book emitted them.
alter table events add column seq bigserial;
create index events_book_seq_idx on events (tenant_id, book_uuid, seq);
