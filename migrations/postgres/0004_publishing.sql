-- Publishing (issue 16): destinations (a person's accounts on X, Bluesky, Mastodon) with
-- their tokens encrypted (core/publish/crypto.py), one-time OAuth states, Mastodon apps per
-- instance, and publications whose posts are recorded one by one (exactly once).
CREATE TABLE destinations (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform    TEXT NOT NULL,              -- x | bluesky | mastodon
    handle      TEXT NOT NULL,
    server      TEXT NOT NULL,              -- API base / PDS / instance
    remote_user TEXT NOT NULL,              -- X user id, DID, Mastodon account id
    secrets     TEXT NOT NULL,              -- encrypted JSON (tokens, never logged)
    max_chars   INTEGER,                    -- Mastodon instance limit
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX destinations_user ON destinations (user_id);

CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform   TEXT NOT NULL,
    server     TEXT NOT NULL,
    secrets    TEXT NOT NULL,               -- encrypted PKCE verifier
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

CREATE TABLE mastodon_apps (
    instance      TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,            -- encrypted
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE publications (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id      TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    platform       TEXT NOT NULL,
    status         TEXT NOT NULL,           -- scheduled | publishing | published | failed | cancelled
    run_at         TIMESTAMPTZ NOT NULL,
    posts          JSONB NOT NULL,          -- the texts, fitted to the destination's rules
    error          TEXT,
    lease_until    TIMESTAMPTZ,             -- a worker owns it until then
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX publications_user ON publications (user_id, created_at DESC);
CREATE INDEX publications_due ON publications (status, run_at);

CREATE TABLE publication_posts (
    publication_id TEXT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    idx            INTEGER NOT NULL,
    remote_id      TEXT,                    -- set once the network has it
    uri            TEXT,
    cid            TEXT,
    url            TEXT,
    sent_at        TIMESTAMPTZ NOT NULL,    -- a send was attempted (look up before re-sending)
    published_at   TIMESTAMPTZ,
    PRIMARY KEY (publication_id, idx)
);
