-- Optimistic concurrency for thread edits: PATCH with If-Match compares and bumps it in SQL.
ALTER TABLE threads ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
