-- Since when an endpoint's attempts have been slow (the last took SLOW_ATTEMPT_MS or more, src/delivery/
-- attempt-pipeline.ts), or null. The activity that records a book's events makes first attempts only to endpoints that
-- answer fast: one that answers slowly would hold up the book's next recording, and so every other endpoint's next
-- event. Written only when it flips, like failing_since.
alter table endpoints add column slow_since timestamptz;
