-- One row rewritten by the readiness check: a database that cannot take a
-- write (disk full, read-only file) is not ready, even while reads work.
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at INTEGER NOT NULL
);
