-- Uploads join the intake log: the API stores a document before its 202 and signals the book afterwards, so an upload
-- never waits for a worker to wake the book. When the hand-over to the next run began: the next run's first check
-- lists the uploads stored since (the API left them unsignalled while the mark stood).
alter table books add column continuing_since timestamptz;

-- The check's question for uploads: which documents of the book were uploaded since a moment.
create index documents_book_uploaded_idx on documents (tenant_id, book_uuid, uploaded_at);
