-- Documents' bytes compressed with lz4 and stored inline or out of line as their size requires.
-- Before, `storage external` kept them uncompressed: a 10 KiB NF-e took five TOAST chunks (five
-- rows and five index entries to write, then to read back for the worker); lz4 shrinks XML three to
-- four times at a cost of microseconds, so most documents now take one or two. Rows stored earlier
-- keep their format; PostgreSQL reads both.
alter table documents alter column content set storage extended;
alter table documents alter column content set compression lz4;
