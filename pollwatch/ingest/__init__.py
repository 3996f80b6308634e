"""One ingest run: find the inbox's new files, take each through its named steps (read, map,
validate, store), and archive or quarantine it."""
