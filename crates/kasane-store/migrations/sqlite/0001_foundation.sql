-- Step 1: tenants, their configuration, identity, sessions, tokens, audit.
-- Kept in step with migrations/postgres/0001_foundation.sql (a test compares the schemas).

CREATE TABLE municipality (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    lg_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    prefecture TEXT NOT NULL,
    programme_name TEXT,
    support_meeting_name TEXT NOT NULL,
    multilayer_meeting_name TEXT NOT NULL,
    config_toml TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE agency (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    field TEXT NOT NULL,
    operation_mode TEXT,
    kind TEXT NOT NULL,
    is_coordinating BOOLEAN NOT NULL DEFAULT FALSE,
    hosts_support_meeting BOOLEAN NOT NULL DEFAULT FALSE,
    hosts_multilayer_meeting BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT agency_code_unique UNIQUE (municipality_id, code)
);

CREATE TABLE district (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    CONSTRAINT district_code_unique UNIQUE (municipality_id, code)
);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT app_user_username_unique UNIQUE (username)
);

CREATE TABLE user_session (
    id_digest TEXT PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX user_session_user ON user_session(user_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    name TEXT NOT NULL,
    token_digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT,
    CONSTRAINT api_token_digest_unique UNIQUE (token_digest)
);

-- Append-only. One hash chain per municipality (chain_id = municipality id, 0 for events
-- outside any tenant such as a failed login with an unknown name).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    chain_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    municipality_id INTEGER,
    user_id INTEGER,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    reason TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT audit_log_chain_seq_unique UNIQUE (chain_id, seq)
);
CREATE INDEX audit_log_municipality_time ON audit_log(municipality_id, occurred_at);

-- The head of each chain: its row lock serialises appends, and it lets verify notice a
-- deleted tail.
CREATE TABLE audit_chain (
    chain_id INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);

-- Defence in depth: the application never updates or deletes audit rows; the hash chain
-- (kasane audit verify) catches whoever bypasses these triggers.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
