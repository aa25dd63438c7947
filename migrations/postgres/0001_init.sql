-- Threadr schema, PostgreSQL dialect. Mirrors migrations/sqlite/0001_init.sql.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT UNIQUE,              -- normalised (trimmed, lower-case); NULL for bot accounts
    password_hash TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE identities (
    platform    TEXT NOT NULL,              -- web | telegram | discord | extension
    external_id TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, external_id)
);
CREATE INDEX identities_user ON identities (user_id);

CREATE TABLE link_codes (
    code_hash   TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE threads (
    seq             BIGSERIAL UNIQUE,       -- insertion order: newest-first paging
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_url      TEXT,
    source_title    TEXT,
    source          JSONB NOT NULL,
    options         JSONB NOT NULL,
    posts           JSONB NOT NULL,
    generator       TEXT NOT NULL,
    fallback_reason TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    edited_at       TIMESTAMPTZ
);
CREATE INDEX threads_user_seq ON threads (user_id, seq DESC);

CREATE TABLE usage_records (
    id                BIGSERIAL PRIMARY KEY,
    quota_key         TEXT NOT NULL,
    user_id           TEXT,
    platform          TEXT NOT NULL,
    generator         TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cached            BOOLEAN NOT NULL DEFAULT FALSE,
    at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX usage_records_key_at ON usage_records (quota_key, at);

CREATE TABLE premium_grants (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    source_ref TEXT NOT NULL UNIQUE,
    starts_at  TIMESTAMPTZ NOT NULL,
    until      TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX premium_grants_user ON premium_grants (user_id, until);

CREATE TABLE processed_events (
    event_id     TEXT PRIMARY KEY,
    event_type   TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE analytics_events (
    id      BIGSERIAL PRIMARY KEY,
    name    TEXT NOT NULL,
    user_id TEXT,
    props   JSONB NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX analytics_events_name_at ON analytics_events (name, at);
