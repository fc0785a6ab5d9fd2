-- How many documents a book holds, kept by the intake statements under the book's row lock: an upload or a result for
-- a new document is refused once it reaches BOOK_MAX_DOCUMENTS, so no book outgrows what its workflow can carry.
alter table books add column admitted_count integer not null default 0;

update books b
set admitted_count = (select count(*) from documents d where d.tenant_id = b.tenant_id and d.book_uuid = b.book_uuid);
