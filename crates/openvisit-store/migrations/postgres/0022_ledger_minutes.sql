-- What a ledger entry is about is stored as data and written in the reader's language
-- when shown (memos used to be English sentences, with provider references and internal
-- ids in them): `minutes` holds the connected minutes a per-minute visit was charged, or
-- the minutes lost to a platform fault that a credit makes up for. `memo` keeps only
-- words staff wrote themselves (a goodwill credit's reason).
ALTER TABLE ledger_entries ADD COLUMN minutes BIGINT CHECK (minutes IS NULL OR minutes >= 0);
UPDATE ledger_entries SET memo = '' WHERE memo NOT LIKE 'Goodwill credit: %';
UPDATE ledger_entries SET memo = substr(memo, 18) WHERE memo LIKE 'Goodwill credit: %';
