-- Accounts grown up (issue 17): verification, sessions, one-time mail tokens, billing records
-- (anonymised on account deletion), the mail ledger (each receipt/reminder once) and the
-- append-only audit log. Mirrors migrations/sqlite/0005_accounts_mail_audit.sql.

ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';   -- user | admin
ALTER TABLE users ADD COLUMN language TEXT;                       -- for mail, when known

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,           -- the `sid` claim of an access token
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,           -- sha256 of the raw token sent by mail
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,              -- verify | reset
    email      TEXT NOT NULL,              -- the address the token proves (new one on change)
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

CREATE TABLE billing_records (
    id           BIGSERIAL PRIMARY KEY,
    user_id      TEXT,                     -- NULL once the account is deleted (anonymised)
    kind         TEXT NOT NULL,            -- purchase | refund | admin_grant | admin_revoke
    source_ref   TEXT NOT NULL,
    amount_cents BIGINT NOT NULL DEFAULT 0,
    currency     TEXT NOT NULL DEFAULT '',
    days         INTEGER NOT NULL DEFAULT 0,
    at           TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, source_ref)
);
CREATE INDEX billing_records_at ON billing_records (at);

CREATE TABLE mail_ledger (
    key     TEXT PRIMARY KEY,              -- e.g. receipt:<payment ref>: sent at most once
    sent_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,              -- an account id, or "system"
    user_id    TEXT,                       -- whose account the event concerns (kept after deletion)
    action     TEXT NOT NULL,
    ip         TEXT,
    request_id TEXT,
    details    JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_user ON audit_log (user_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE INDEX usage_records_at ON usage_records (at);
CREATE INDEX users_created ON users (created_at);
