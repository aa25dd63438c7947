-- Threadr schema, SQLite dialect. Mirrors migrations/postgres/0001_init.sql.
-- Times are TEXT in one fixed UTC ISO-8601 format (see core/store/rows.py: to_text), so they
-- sort and compare as text. JSON columns are TEXT holding JSON.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT UNIQUE,
    password_hash TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE identities (
    platform    TEXT NOT NULL,              -- web | telegram | discord | extension
    external_id TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (platform, external_id)
);
CREATE INDEX identities_user ON identities (user_id);

CREATE TABLE link_codes (
    code_hash   TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE threads (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: newest-first paging
    id              TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_url      TEXT,
    source_title    TEXT,
    source          TEXT NOT NULL,
    options         TEXT NOT NULL,
    posts           TEXT NOT NULL,
    generator       TEXT NOT NULL,
    fallback_reason TEXT,
    created_at      TEXT NOT NULL,
    edited_at       TEXT
);
CREATE INDEX threads_user_seq ON threads (user_id, seq DESC);

CREATE TABLE usage_records (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    quota_key         TEXT NOT NULL,
    user_id           TEXT,
    platform          TEXT NOT NULL,
    generator         TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cached            INTEGER NOT NULL DEFAULT 0,
    at                TEXT NOT NULL
);
CREATE INDEX usage_records_key_at ON usage_records (quota_key, at);

CREATE TABLE premium_grants (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    source_ref TEXT NOT NULL UNIQUE,
    starts_at  TEXT NOT NULL,
    until      TEXT NOT NULL,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX premium_grants_user ON premium_grants (user_id, until);

CREATE TABLE processed_events (
    event_id     TEXT PRIMARY KEY,
    event_type   TEXT NOT NULL,
    processed_at TEXT NOT NULL
);

CREATE TABLE analytics_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT NOT NULL,
    user_id TEXT,
    props   TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX analytics_events_name_at ON analytics_events (name, at);
