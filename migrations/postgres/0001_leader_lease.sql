-- Leadership among Warta instances sharing one PostgreSQL database: one row,
-- held by one instance until it expires (PostgreSQL's own clock decides, so
-- the instances' clocks need not agree). Every takeover raises the epoch; work
-- that must happen once carries the epoch it was started under and is refused
-- once the epoch has moved on (fencing an old leader that wakes up late).
CREATE TABLE leader_lease (
    id          SMALLINT PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL,
    epoch       BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
