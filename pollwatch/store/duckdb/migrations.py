"""The DuckDB store's schema as an ordered list of migrations, applied once per process.

A migration is never edited once it has shipped: a change to the schema is a new entry at the
end, so every existing database can be brought forward step by step. Each is written out in full,
sharing no constant with the code, so that no later edit elsewhere can change a shipped one.
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE polls (
            poll_key VARCHAR PRIMARY KEY,
            pollster VARCHAR NOT NULL,
            sponsor VARCHAR,
            country VARCHAR NOT NULL,
            leader VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            population VARCHAR NOT NULL,
            mode VARCHAR NOT NULL,
            fieldwork_start DATE NOT NULL,
            fieldwork_end DATE NOT NULL,
            published DATE,
            sample_size INTEGER,
            positive_pct DOUBLE NOT NULL,
            negative_pct DOUBLE,
            undecided_pct DOUBLE,
            tracking BOOLEAN NOT NULL,
            source_url VARCHAR,
            notes VARCHAR,
            file_sha256 VARCHAR NOT NULL,
            source_name VARCHAR NOT NULL,
            line_number INTEGER,
            ingested_at TIMESTAMP NOT NULL,
            run_id VARCHAR NOT NULL
        );
        -- The values a correction replaced, one row per replaced version.
        CREATE TABLE revisions (
            poll_key VARCHAR NOT NULL,
            pollster VARCHAR NOT NULL,
            sponsor VARCHAR,
            country VARCHAR NOT NULL,
            leader VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            population VARCHAR NOT NULL,
            mode VARCHAR NOT NULL,
            fieldwork_start DATE NOT NULL,
            fieldwork_end DATE NOT NULL,
            published DATE,
            sample_size INTEGER,
            positive_pct DOUBLE NOT NULL,
            negative_pct DOUBLE,
            undecided_pct DOUBLE,
            tracking BOOLEAN NOT NULL,
            source_url VARCHAR,
            notes VARCHAR,
            file_sha256 VARCHAR NOT NULL,
            source_name VARCHAR NOT NULL,
            line_number INTEGER,
            ingested_at TIMESTAMP NOT NULL,
            run_id VARCHAR NOT NULL,
            changed_columns VARCHAR[] NOT NULL,
            revised_by_file_sha256 VARCHAR NOT NULL,
            revised_by_run_id VARCHAR NOT NULL,
            revised_at TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE file_ids START 1;
        -- Every file seen, once per time it was seen (a duplicate drop is a row too).
        CREATE TABLE files (
            file_id BIGINT PRIMARY KEY,
            sha256 VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            source_name VARCHAR,
            status VARCHAR NOT NULL,
            rows_read INTEGER NOT NULL,
            rows_loaded INTEGER NOT NULL,
            rows_rejected INTEGER NOT NULL,
            rows_duplicate INTEGER NOT NULL,
            rows_updated INTEGER NOT NULL,
            message VARCHAR,
            ingested_at TIMESTAMP NOT NULL,
            run_id VARCHAR NOT NULL,
            stored_path VARCHAR
        );
        CREATE INDEX files_by_sha256 ON files (sha256);
        CREATE TABLE rejects (
            file_sha256 VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            line_number INTEGER,
            column_name VARCHAR,
            rule VARCHAR NOT NULL,
            value VARCHAR,
            run_id VARCHAR NOT NULL,
            rejected_at TIMESTAMP NOT NULL
        );
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            trigger VARCHAR,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            status VARCHAR NOT NULL,
            files_seen INTEGER,
            rows_loaded INTEGER,
            rows_rejected INTEGER,
            rows_updated INTEGER,
            rows_duplicate INTEGER
        );
        """,
    ),
    (
        2,
        # The pollster's and leader's spelling in the file, before the alias tables.
        """
        ALTER TABLE polls ADD COLUMN pollster_as_written VARCHAR;
        ALTER TABLE polls ADD COLUMN leader_as_written VARCHAR;
        ALTER TABLE revisions ADD COLUMN pollster_as_written VARCHAR;
        ALTER TABLE revisions ADD COLUMN leader_as_written VARCHAR;
        """,
    ),
    (
        3,
        # Which process ran a run, so that a run whose process died (killed, out of memory) can
        # be told from one still going, and recorded as crashed rather than running for ever.
        """
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        ALTER TABLE runs ADD COLUMN host VARCHAR;
        """,
    ),
    (
        4,
        # polls without its PRIMARY KEY index: the index cost 0.9 s per million rows inserted and
        # stays in memory, while a poll key's uniqueness is already kept by the one writer, which
        # compares incoming keys with the stored ones inside the load's transaction.
        """
        CREATE TABLE polls_unindexed (
            poll_key VARCHAR NOT NULL,
            pollster VARCHAR NOT NULL,
            sponsor VARCHAR,
            country VARCHAR NOT NULL,
            leader VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            population VARCHAR NOT NULL,
            mode VARCHAR NOT NULL,
            fieldwork_start DATE NOT NULL,
            fieldwork_end DATE NOT NULL,
            published DATE,
            sample_size INTEGER,
            positive_pct DOUBLE NOT NULL,
            negative_pct DOUBLE,
            undecided_pct DOUBLE,
            tracking BOOLEAN NOT NULL,
            source_url VARCHAR,
            notes VARCHAR,
            file_sha256 VARCHAR NOT NULL,
            source_name VARCHAR NOT NULL,
            line_number INTEGER,
            ingested_at TIMESTAMP NOT NULL,
            run_id VARCHAR NOT NULL,
            pollster_as_written VARCHAR,
            leader_as_written VARCHAR
        );
        INSERT INTO polls_unindexed SELECT * FROM polls;
        DROP TABLE polls;
        ALTER TABLE polls_unindexed RENAME TO polls;
        """,
    ),
    (
        5,
        # Sample sizes as given: 538's files carry effective (weighted) sizes such as 2202.5,
        # which an INTEGER column would have refused or rounded.
        """
        ALTER TABLE polls ALTER sample_size SET DATA TYPE DOUBLE;
        ALTER TABLE revisions ALTER sample_size SET DATA TYPE DOUBLE;
        """,
    ),
    (
        6,
        # What pollwatch has told people once and must not tell again: an expected drop that
        # did not come is announced once per due day, however often the check runs.
        """
        CREATE TABLE notices (
            kind VARCHAR NOT NULL,
            subject VARCHAR NOT NULL,
            due DATE NOT NULL,
            told_at TIMESTAMP NOT NULL,
            PRIMARY KEY (kind, subject, due)
        );
        """,
    ),
    (
        7,
        # Rows a layout skips on purpose (538's other subgroups, a series' placeholder weeks):
        # counted in the file log, so that read = stored + rejected + already known + skipped
        # can be checked after the run's output is gone.
        """
        ALTER TABLE files ADD COLUMN rows_skipped INTEGER DEFAULT 0;
        ALTER TABLE runs ADD COLUMN rows_skipped INTEGER DEFAULT 0;
        """,
    ),
    (
        8,
        # 'month' where the source gave only the month of publication, stored as its last day
        # (the latest the poll can have been public); 'day' where it gave the day.
        """
        ALTER TABLE polls ADD COLUMN published_precision VARCHAR;
        ALTER TABLE revisions ADD COLUMN published_precision VARCHAR;
        """,
    ),
]
