-- The Warta instances sharing this database, as /status lists them: each
-- says every few seconds whether it leads or stands by (PostgreSQL's clock).
CREATE TABLE instances (
    holder  TEXT PRIMARY KEY,
    role    TEXT NOT NULL CHECK (role IN ('leader', 'standby')),
    seen_at TIMESTAMPTZ NOT NULL
);
