-- Nothing to change on SQLite: it keeps the foreign keys PostgreSQL's migration 0014
-- drops (a check is a local lookup here, and the one writer takes no row locks). The
-- file keeps the two backends' migration numbers in step.
SELECT 1;
