//! The schema, once per backend, as numbered migrations.
//!
//! Both backends get the same tables, keys and constraints; PostgreSQL adds what SQLite has no
//! notion of: the `prompt1_app` role, row-level security (enabled and forced on every tenant table
//! and every partition, failing closed when `app.org_id` is unset), the session table partitioned
//! by hash of the user, and `security_invoker` views. Every tenant table's primary key starts with
//! `org_id` so the schema can be sharded by organization (Citus) without changing keys.
//! Generated once by hand from one template; edit both lists together and add, never rewrite.

/// Tables holding one organization's data (RLS-protected on PostgreSQL).
pub const TENANT_TABLES: [&str; 11] = [
    "orgs",
    "teams",
    "memberships",
    "invites",
    "devices",
    "sessions",
    "user_daily",
    "team_daily",
    "audit_log",
    "user_model_daily",
    "team_model_daily",
];

/// Partitions of the `sessions` table on PostgreSQL.
pub const SESSION_PARTITIONS: u32 = 8;

/// The counters that describe all sessions, scripted ones included (migration 1).
const BASE_METRICS: usize = 27;

/// The rollup counters of `user_daily` and `team_daily`, in column order: the counters of every
/// session (migration 1), then the coach's [`prompt1_coach::Tally`] over interactive sessions, one
/// `coach_<field>` column per [`prompt1_coach::Tally::FIELDS`] entry in the same order (migration 3).
pub const METRICS: [&str; BASE_METRICS + prompt1_coach::tally::TALLY_LEN] = [
    "sessions",
    "final_sessions",
    "interactive_sessions",
    "active_s",
    "prompts",
    "follow_ups",
    "clarity_sum",
    "clarity_scored",
    "file_refs",
    "prompts_with_file_refs",
    "tool_calls",
    "tool_failures",
    "subagents",
    "compactions",
    "test_runs",
    "lint_runs",
    "build_runs",
    "edit_batches",
    "verified_batches",
    "edits_user_accepted",
    "edits_user_rejected",
    "edits_auto_allowed",
    "edits_auto_denied",
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "coach_sessions",
    "coach_prompts",
    "coach_follow_ups",
    "coach_clarity_sum",
    "coach_clarity_scored",
    "coach_file_refs",
    "coach_prompts_with_file_refs",
    "coach_test_runs",
    "coach_lint_runs",
    "coach_build_runs",
    "coach_edit_batches",
    "coach_verified_batches",
    "coach_edits_user_accepted",
    "coach_edits_user_rejected",
    "coach_prompts_mode_default",
    "coach_prompts_mode_accept_edits",
    "coach_prompts_mode_plan",
    "coach_prompts_mode_dont_ask",
    "coach_prompts_mode_auto",
    "coach_prompts_mode_bypass_permissions",
    "coach_prompts_mode_other",
    "coach_sessions_claude_md_project",
    "coach_sessions_claude_md_user",
    "coach_input_tokens",
    "coach_output_tokens",
    "coach_cache_creation_tokens",
    "coach_cache_read_tokens",
    "coach_compactions",
];

/// Where the coach's counters start in [`METRICS`].
pub const COACH_OFFSET: usize = BASE_METRICS;

/// Migration 2, the same on both backends: per-organization settings (minimum group size,
/// retention) as columns of `orgs`, which is already a tenant table under row-level security,
/// and an index for retention's deletes by start time.
const ORG_SETTINGS: &str = r#"
ALTER TABLE orgs ADD COLUMN min_group_size BIGINT NOT NULL DEFAULT 3 CHECK (min_group_size BETWEEN 3 AND 1000);
ALTER TABLE orgs ADD COLUMN retention_days BIGINT NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 60 AND 3650);
CREATE INDEX sessions_started ON sessions (org_id, started_minute);
"#;

/// Migration 4, the same on both backends: the network address each audited action came from
/// (null for the server's own actions and for rows written before this migration), and an index
/// for the admin page's newest-first listing.
const AUDIT_ADDRESS: &str = r#"
ALTER TABLE audit_log ADD COLUMN address TEXT;
CREATE INDEX audit_log_recent ON audit_log (org_id, at);
"#;

/// Migration 3, SQLite: the coach's counters on both daily rollups, and tokens by model per user
/// and per team per day (for tokens and cost by model without reading sessions).
const COACH_ROLLUPS_SQLITE: &str = r#"
ALTER TABLE user_daily ADD COLUMN coach_sessions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_follow_ups BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_clarity_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_clarity_scored BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_with_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_test_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_lint_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_build_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_edit_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_verified_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_edits_user_accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_edits_user_rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_default BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_accept_edits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_plan BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_dont_ask BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_auto BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_bypass_permissions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_other BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_sessions_claude_md_project BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_sessions_claude_md_user BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_input_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_output_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_cache_creation_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_cache_read_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_compactions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_sessions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_follow_ups BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_clarity_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_clarity_scored BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_with_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_test_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_lint_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_build_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_edit_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_verified_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_edits_user_accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_edits_user_rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_default BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_accept_edits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_plan BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_dont_ask BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_auto BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_bypass_permissions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_other BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_sessions_claude_md_project BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_sessions_claude_md_user BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_input_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_output_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_cache_creation_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_cache_read_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_compactions BIGINT NOT NULL DEFAULT 0;
CREATE TABLE user_model_daily (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    model TEXT NOT NULL,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, user_id, day, model)
);
CREATE TABLE team_model_daily (
    org_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    model TEXT NOT NULL,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, team_id, day, model)
);
"#;

/// Migration 3, PostgreSQL: as on SQLite, with the new tables under row-level security.
const COACH_ROLLUPS_POSTGRES: &str = r#"
ALTER TABLE user_daily ADD COLUMN coach_sessions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_follow_ups BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_clarity_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_clarity_scored BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_with_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_test_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_lint_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_build_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_edit_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_verified_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_edits_user_accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_edits_user_rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_default BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_accept_edits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_plan BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_dont_ask BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_auto BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_bypass_permissions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_prompts_mode_other BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_sessions_claude_md_project BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_sessions_claude_md_user BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_input_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_output_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_cache_creation_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_cache_read_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_daily ADD COLUMN coach_compactions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_sessions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_follow_ups BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_clarity_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_clarity_scored BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_with_file_refs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_test_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_lint_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_build_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_edit_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_verified_batches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_edits_user_accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_edits_user_rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_default BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_accept_edits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_plan BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_dont_ask BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_auto BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_bypass_permissions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_prompts_mode_other BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_sessions_claude_md_project BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_sessions_claude_md_user BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_input_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_output_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_cache_creation_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_cache_read_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_daily ADD COLUMN coach_compactions BIGINT NOT NULL DEFAULT 0;
CREATE TABLE user_model_daily (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    model TEXT NOT NULL,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, user_id, day, model)
);
CREATE TABLE team_model_daily (
    org_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    model TEXT NOT NULL,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, team_id, day, model)
);
ALTER TABLE user_model_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_model_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON user_model_daily
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE team_model_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_model_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON team_model_daily
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
GRANT SELECT, INSERT, UPDATE, DELETE ON user_model_daily, team_model_daily TO prompt1_app;
"#;

/// SQLite migrations: (version, SQL).
pub const SQLITE: [(i64, &str); 4] = [
    (
        1,
        r#"
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    org_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE auth_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions (session_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE device_logins (
    code_hash BLOB PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    org_id TEXT,
    user_id TEXT,
    last_poll_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE orgs (
    org_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE teams (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, team_id),
    UNIQUE (org_id, name)
);
CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    team_id TEXT,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE TABLE invites (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    invite_id TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    team_id TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (org_id, invite_id)
);
CREATE TABLE devices (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT,
    revoked_at BIGINT,
    PRIMARY KEY (org_id, device_id)
);
CREATE INDEX devices_user ON devices (org_id, user_id);
CREATE TABLE user_daily (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    final_sessions BIGINT NOT NULL DEFAULT 0,
    interactive_sessions BIGINT NOT NULL DEFAULT 0,
    active_s BIGINT NOT NULL DEFAULT 0,
    prompts BIGINT NOT NULL DEFAULT 0,
    follow_ups BIGINT NOT NULL DEFAULT 0,
    clarity_sum BIGINT NOT NULL DEFAULT 0,
    clarity_scored BIGINT NOT NULL DEFAULT 0,
    file_refs BIGINT NOT NULL DEFAULT 0,
    prompts_with_file_refs BIGINT NOT NULL DEFAULT 0,
    tool_calls BIGINT NOT NULL DEFAULT 0,
    tool_failures BIGINT NOT NULL DEFAULT 0,
    subagents BIGINT NOT NULL DEFAULT 0,
    compactions BIGINT NOT NULL DEFAULT 0,
    test_runs BIGINT NOT NULL DEFAULT 0,
    lint_runs BIGINT NOT NULL DEFAULT 0,
    build_runs BIGINT NOT NULL DEFAULT 0,
    edit_batches BIGINT NOT NULL DEFAULT 0,
    verified_batches BIGINT NOT NULL DEFAULT 0,
    edits_user_accepted BIGINT NOT NULL DEFAULT 0,
    edits_user_rejected BIGINT NOT NULL DEFAULT 0,
    edits_auto_allowed BIGINT NOT NULL DEFAULT 0,
    edits_auto_denied BIGINT NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, user_id, day)
);
CREATE TABLE team_daily (
    org_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    final_sessions BIGINT NOT NULL DEFAULT 0,
    interactive_sessions BIGINT NOT NULL DEFAULT 0,
    active_s BIGINT NOT NULL DEFAULT 0,
    prompts BIGINT NOT NULL DEFAULT 0,
    follow_ups BIGINT NOT NULL DEFAULT 0,
    clarity_sum BIGINT NOT NULL DEFAULT 0,
    clarity_scored BIGINT NOT NULL DEFAULT 0,
    file_refs BIGINT NOT NULL DEFAULT 0,
    prompts_with_file_refs BIGINT NOT NULL DEFAULT 0,
    tool_calls BIGINT NOT NULL DEFAULT 0,
    tool_failures BIGINT NOT NULL DEFAULT 0,
    subagents BIGINT NOT NULL DEFAULT 0,
    compactions BIGINT NOT NULL DEFAULT 0,
    test_runs BIGINT NOT NULL DEFAULT 0,
    lint_runs BIGINT NOT NULL DEFAULT 0,
    build_runs BIGINT NOT NULL DEFAULT 0,
    edit_batches BIGINT NOT NULL DEFAULT 0,
    verified_batches BIGINT NOT NULL DEFAULT 0,
    edits_user_accepted BIGINT NOT NULL DEFAULT 0,
    edits_user_rejected BIGINT NOT NULL DEFAULT 0,
    edits_auto_allowed BIGINT NOT NULL DEFAULT 0,
    edits_auto_denied BIGINT NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, team_id, day)
);
CREATE TABLE audit_log (
    org_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id TEXT,
    event TEXT NOT NULL,
    subject_id TEXT,
    PRIMARY KEY (org_id, event_id)
);

CREATE TABLE sessions (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    session_key BLOB NOT NULL,
    team_id TEXT,
    revision BIGINT NOT NULL,
    is_final BOOLEAN NOT NULL,
    started_minute BIGINT NOT NULL,
    schema_version BIGINT NOT NULL,
    summary TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, device_id, session_key)
);
CREATE INDEX sessions_recent ON sessions (org_id, user_id, received_at);
CREATE VIEW user_totals AS
    SELECT org_id, user_id, sum(sessions) AS sessions, sum(prompts) AS prompts, sum(active_s) AS active_s
    FROM user_daily GROUP BY org_id, user_id;
"#,
    ),
    (2, ORG_SETTINGS),
    (3, COACH_ROLLUPS_SQLITE),
    (4, AUDIT_ADDRESS),
];

/// PostgreSQL migrations: (version, SQL).
pub const POSTGRES: [(i64, &str); 4] = [
    (
        1,
        r#"
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    org_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE auth_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
CREATE TABLE refresh_tokens (
    token_hash BYTEA PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions (session_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE device_logins (
    code_hash BYTEA PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    org_id TEXT,
    user_id TEXT,
    last_poll_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE orgs (
    org_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE teams (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, team_id),
    UNIQUE (org_id, name)
);
CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    team_id TEXT,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE TABLE invites (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    invite_id TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    team_id TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (org_id, invite_id)
);
CREATE TABLE devices (
    org_id TEXT NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT,
    revoked_at BIGINT,
    PRIMARY KEY (org_id, device_id)
);
CREATE INDEX devices_user ON devices (org_id, user_id);
CREATE TABLE user_daily (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    final_sessions BIGINT NOT NULL DEFAULT 0,
    interactive_sessions BIGINT NOT NULL DEFAULT 0,
    active_s BIGINT NOT NULL DEFAULT 0,
    prompts BIGINT NOT NULL DEFAULT 0,
    follow_ups BIGINT NOT NULL DEFAULT 0,
    clarity_sum BIGINT NOT NULL DEFAULT 0,
    clarity_scored BIGINT NOT NULL DEFAULT 0,
    file_refs BIGINT NOT NULL DEFAULT 0,
    prompts_with_file_refs BIGINT NOT NULL DEFAULT 0,
    tool_calls BIGINT NOT NULL DEFAULT 0,
    tool_failures BIGINT NOT NULL DEFAULT 0,
    subagents BIGINT NOT NULL DEFAULT 0,
    compactions BIGINT NOT NULL DEFAULT 0,
    test_runs BIGINT NOT NULL DEFAULT 0,
    lint_runs BIGINT NOT NULL DEFAULT 0,
    build_runs BIGINT NOT NULL DEFAULT 0,
    edit_batches BIGINT NOT NULL DEFAULT 0,
    verified_batches BIGINT NOT NULL DEFAULT 0,
    edits_user_accepted BIGINT NOT NULL DEFAULT 0,
    edits_user_rejected BIGINT NOT NULL DEFAULT 0,
    edits_auto_allowed BIGINT NOT NULL DEFAULT 0,
    edits_auto_denied BIGINT NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, user_id, day)
);
CREATE TABLE team_daily (
    org_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    final_sessions BIGINT NOT NULL DEFAULT 0,
    interactive_sessions BIGINT NOT NULL DEFAULT 0,
    active_s BIGINT NOT NULL DEFAULT 0,
    prompts BIGINT NOT NULL DEFAULT 0,
    follow_ups BIGINT NOT NULL DEFAULT 0,
    clarity_sum BIGINT NOT NULL DEFAULT 0,
    clarity_scored BIGINT NOT NULL DEFAULT 0,
    file_refs BIGINT NOT NULL DEFAULT 0,
    prompts_with_file_refs BIGINT NOT NULL DEFAULT 0,
    tool_calls BIGINT NOT NULL DEFAULT 0,
    tool_failures BIGINT NOT NULL DEFAULT 0,
    subagents BIGINT NOT NULL DEFAULT 0,
    compactions BIGINT NOT NULL DEFAULT 0,
    test_runs BIGINT NOT NULL DEFAULT 0,
    lint_runs BIGINT NOT NULL DEFAULT 0,
    build_runs BIGINT NOT NULL DEFAULT 0,
    edit_batches BIGINT NOT NULL DEFAULT 0,
    verified_batches BIGINT NOT NULL DEFAULT 0,
    edits_user_accepted BIGINT NOT NULL DEFAULT 0,
    edits_user_rejected BIGINT NOT NULL DEFAULT 0,
    edits_auto_allowed BIGINT NOT NULL DEFAULT 0,
    edits_auto_denied BIGINT NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, team_id, day)
);
CREATE TABLE audit_log (
    org_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id TEXT,
    event TEXT NOT NULL,
    subject_id TEXT,
    PRIMARY KEY (org_id, event_id)
);

CREATE TABLE sessions (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    session_key BYTEA NOT NULL,
    team_id TEXT,
    revision BIGINT NOT NULL,
    is_final BOOLEAN NOT NULL,
    started_minute BIGINT NOT NULL,
    schema_version BIGINT NOT NULL,
    summary TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, device_id, session_key)
) PARTITION BY HASH (user_id);
CREATE TABLE sessions_p0 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE sessions_p1 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE sessions_p2 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE sessions_p3 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE sessions_p4 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE sessions_p5 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE sessions_p6 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE sessions_p7 PARTITION OF sessions FOR VALUES WITH (MODULUS 8, REMAINDER 7);
CREATE INDEX sessions_recent ON sessions (org_id, user_id, received_at);

DO $$ BEGIN
    CREATE ROLE prompt1_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$ BEGIN
    EXECUTE format('GRANT prompt1_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO prompt1_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON settings, users, auth_sessions, refresh_tokens, device_logins TO prompt1_app;
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON orgs
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON teams
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON memberships
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invites FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON invites
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE devices FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON devices
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE user_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON user_daily
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE team_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON team_daily
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON audit_log
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p0 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p0 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p0
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p1 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p1 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p1
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p2 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p2 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p2
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p3 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p3 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p3
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p4 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p4 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p4
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p5 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p5 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p5
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p6 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p6 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p6
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
ALTER TABLE sessions_p7 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions_p7 FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions_p7
    USING (org_id = nullif(current_setting('app.org_id', true), ''))
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), ''));
GRANT SELECT, INSERT, UPDATE, DELETE ON orgs, teams, memberships, invites, devices, sessions, user_daily, team_daily, audit_log TO prompt1_app;
CREATE VIEW user_totals WITH (security_invoker = true) AS
    SELECT org_id, user_id, sum(sessions) AS sessions, sum(prompts) AS prompts, sum(active_s) AS active_s
    FROM user_daily GROUP BY org_id, user_id;
GRANT SELECT ON user_totals TO prompt1_app;
"#,
    ),
    (2, ORG_SETTINGS),
    (3, COACH_ROLLUPS_POSTGRES),
    (4, AUDIT_ADDRESS),
];
