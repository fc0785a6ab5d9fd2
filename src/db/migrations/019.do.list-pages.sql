-- Every list pages by keyset (limit, cursor), each on an index that yields its rows in the list's order, so a page
-- costs the same on a book of ten documents as on one of ten thousand. Each order ends in a unique column, so no row
-- is listed twice or passed over while others are added.
--
-- Documents get the order they were first stored in: uploaded_at is filled in late for a document whose
-- verification result came first, which would move it across pages.
alter table documents add column seq bigserial;
create index documents_book_seq_idx on documents (tenant_id, book_uuid, seq);

-- A book's deliveries, newest first (GET /v1/books/{book_uuid}/deliveries).
create index deliveries_book_page_idx on deliveries (tenant_id, book_uuid, created_at desc, event_id desc, webhook_id desc);

-- An endpoint's deliveries, newest first, with event_id breaking ties (GET /v1/webhooks/{id}/deliveries).
drop index deliveries_webhook_idx;
create index deliveries_webhook_idx on deliveries (tenant_id, webhook_id, created_at desc, event_id desc);

-- Operational events, newest first, with id breaking ties.
drop index operational_events_tenant_idx;
create index operational_events_tenant_idx on operational_events (tenant_id, occurred_at desc, id desc);

-- Endpoints, oldest first.
create index webhooks_tenant_created_idx on webhooks (tenant_id, created_at, id);

-- The book view counts a book's documents by status (an acknowledged upload counts at once): from the index alone.
create index documents_book_status_idx on documents (tenant_id, book_uuid, status);
