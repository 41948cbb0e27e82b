//! `prompt1-server --demo`: a server with a realistic organization already in it, so a newcomer
//! sees full pages at once (a score with its trend, coaching tips, a team overview, a team too
//! small to show aggregates), signed in with one of three printed accounts.
//!
//! Why it is shaped this way:
//! - The data is what prompt1 would really compute. Each session is a generated Claude Code
//!   transcript ([`transcripts`]) summarised by the client's own summary function, uploaded by a
//!   device enrolled through device login, through the real ingest route ([`seed`]), so the rollups,
//!   scores and tips are the production code's answers on plausible habits.
//! - It cannot hurt anything real. Demo mode refuses a non-loopback listen address (its
//!   passwords are printed to a terminal) and refuses a database URL or a data folder: it always
//!   runs on a fresh SQLite file in a temporary folder, deleted when the server stops.
//! - It is the same every start except the passwords: the generator is seeded, the passwords are
//!   random and printed.

pub mod seed;
pub mod transcripts;

use crate::auth::Role;
use crate::config::Config;
use crate::error::ApiResult;
use crate::ids::{OrgId, TeamId, UserId};
use crate::state::AppState;
use axum::Router;
use prompt1_wire::{SessionKey, SessionSummary};
use transcripts::{Habits, Rng, SessionPlan};

/// Days of sessions in the demo organization, ending today.
pub const DEMO_DAYS: i64 = 60;
/// The demo organization's name.
pub const DEMO_ORG: &str = "Demo Company";
/// The seed of the demo's generator.
pub const DEMO_SEED: u64 = 0x5eed_0001;

/// Why demo mode refused to start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DemoRefused {
    /// The listen address is reachable from other machines.
    #[error(
        "--demo only listens on a loopback address (127.0.0.1 or ::1), not {0}: the demo accounts' \
         passwords are printed in the terminal. Use --listen 127.0.0.1:8080"
    )]
    NotLoopback(std::net::SocketAddr),
    /// A real database was configured.
    #[error(
        "--demo never touches a real database: it always runs on a fresh temporary SQLite file. \
         Remove {0} (flag, PROMPT1_* or DATABASE_URL environment, or config file) to run the demo"
    )]
    RealDatabase(&'static str),
}

/// Checks that `cfg` is fit for demo mode: loopback only, no database URL, no data folder.
pub fn check(cfg: &Config) -> Result<(), DemoRefused> {
    if !cfg.listen.ip().is_loopback() {
        return Err(DemoRefused::NotLoopback(cfg.listen));
    }
    if cfg.database_url.is_some() {
        return Err(DemoRefused::RealDatabase("the database URL"));
    }
    if cfg.data_dir.is_some() {
        return Err(DemoRefused::RealDatabase("the data folder"));
    }
    Ok(())
}

/// One printed demo account.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// member, manager or admin.
    pub role: Role,
    /// Sign-in email.
    pub email: String,
    /// Sign-in password (random per start).
    pub password: String,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} [redacted]", self.role.as_str(), self.email)
    }
}

impl DemoAccount {
    /// The printed line: `ROLE EMAIL PASSWORD`.
    pub fn line(&self) -> String {
        format!(
            "{} {} {}",
            self.role.as_str().to_uppercase(),
            self.email,
            self.password
        )
    }
}

/// A team of the demo organization.
#[derive(Debug, Clone)]
pub struct DemoTeam {
    /// Its id.
    pub team_id: TeamId,
    /// Its name.
    pub name: String,
    /// Members in it (the manager included).
    pub members: usize,
}

/// What was seeded.
#[derive(Debug)]
pub struct Demo {
    /// The organization.
    pub org_id: OrgId,
    /// Member, manager and admin accounts, in that order.
    pub accounts: Vec<DemoAccount>,
    /// The three teams, largest first.
    pub teams: Vec<DemoTeam>,
    /// Everyone in the organization (the admin included).
    pub members: usize,
    /// Sessions stored.
    pub sessions: usize,
    /// The first and last day (days since the epoch, UTC) of the sessions.
    pub days: (i64, i64),
}

/// How one developer works and how much.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Habits per prompt, batch and session.
    pub habits: Habits,
    /// Day index (0 = the first demo day) from which the project's CLAUDE.md is loaded.
    pub claude_md_from: Option<i64>,
    /// Sessions on a working day (inclusive range).
    pub per_day: (u64, u64),
    /// Devices the sessions are uploaded from.
    pub devices: usize,
}

/// A demo person: who they are and how they work.
struct Person {
    name: &'static str,
    team: Option<usize>,
    role: Role,
    profile: Profile,
}

fn habits(kind: &str) -> Habits {
    let base = Habits {
        clear_prompts: 0.55,
        file_refs: 0.5,
        verify: 0.55,
        lint: 0.3,
        reject: 0.12,
        bypass: 0.05,
        accept_edits: 0.3,
        follow_ups: 0.2,
        scripted: 0.05,
        opus: 0.2,
        claude_md_user: false,
        prompts: (3, 9),
    };
    match kind {
        // Verifies after nearly every edit batch, writes clear prompts with file references.
        "careful" => Habits {
            clear_prompts: 0.85,
            file_refs: 0.8,
            verify: 0.9,
            lint: 0.5,
            reject: 0.08,
            bypass: 0.0,
            claude_md_user: true,
            ..base
        },
        // Vague prompts, never runs the tests.
        "vague" => Habits {
            clear_prompts: 0.15,
            file_refs: 0.15,
            verify: 0.0,
            lint: 0.05,
            reject: 0.25,
            follow_ups: 0.35,
            ..base
        },
        // Lets everything through: bypassPermissions most of the time.
        "bypass" => Habits {
            clear_prompts: 0.45,
            file_refs: 0.35,
            verify: 0.25,
            bypass: 0.8,
            opus: 0.5,
            ..base
        },
        // Half of the sessions are scripts (`claude -p`).
        "scripter" => Habits {
            scripted: 0.5,
            ..base
        },
        _ => base,
    }
}

/// The organization: 25 people in three teams (12, 10 and 2: the last below the minimum group
/// size of 3) plus the admin, with mixed habits. The first person is the printed member (CLAUDE.md
/// adopted half-way, so the before/after insight shows), the second the printed manager.
fn people() -> Vec<Person> {
    let p = |name, team, role, kind: &str, claude_md_from, per_day, devices| Person {
        name,
        team,
        role,
        profile: Profile {
            habits: habits(kind),
            claude_md_from,
            per_day,
            devices,
        },
    };
    use Role::{Manager, Member};
    vec![
        p("dana", Some(0), Member, "balanced", Some(30), (2, 3), 2),
        p("morgan", Some(0), Manager, "careful", Some(0), (1, 2), 1),
        p("alex", Some(0), Member, "careful", Some(0), (1, 3), 2),
        p("sam", Some(0), Member, "vague", None, (1, 3), 1),
        p("jordan", Some(0), Member, "bypass", None, (2, 3), 1),
        p("riley", Some(0), Member, "balanced", Some(20), (1, 2), 1),
        p("casey", Some(0), Member, "scripter", Some(0), (1, 3), 2),
        p("taylor", Some(0), Member, "vague", Some(35), (1, 2), 1),
        p("jamie", Some(0), Member, "careful", None, (1, 2), 1),
        p("avery", Some(0), Member, "balanced", None, (1, 2), 1),
        p("quinn", Some(0), Member, "bypass", Some(40), (1, 3), 1),
        p("rowan", Some(0), Member, "balanced", Some(0), (1, 2), 1),
        p("kai", Some(1), Manager, "balanced", Some(0), (1, 2), 1),
        p("noor", Some(1), Member, "careful", Some(25), (1, 3), 1),
        p("lee", Some(1), Member, "vague", None, (1, 2), 1),
        p("mika", Some(1), Member, "bypass", None, (2, 3), 2),
        p("sasha", Some(1), Member, "balanced", Some(30), (1, 2), 1),
        p("eli", Some(1), Member, "scripter", None, (1, 2), 1),
        p("remy", Some(1), Member, "careful", Some(0), (1, 2), 1),
        p("ari", Some(1), Member, "vague", Some(28), (1, 3), 1),
        p("devon", Some(1), Member, "balanced", None, (1, 2), 1),
        p("emery", Some(1), Member, "balanced", Some(0), (1, 2), 1),
        p("hollis", Some(2), Manager, "careful", Some(0), (1, 2), 1),
        p("indra", Some(2), Member, "balanced", None, (1, 2), 1),
    ]
}

const TEAM_NAMES: [&str; 3] = ["Platform", "Mobile", "Research"];
const EMAIL_DOMAIN: &str = "demo.prompt1.test";

/// A printable random password (80 bits).
fn random_password() -> String {
    let mut b = [0u8; 10];
    crate::keys::fill_random(&mut b);
    hex::encode(b)
}

/// The sessions of one person over the demo days ending `today`, as the client would summarise
/// them, spread over `devices` devices (one list per device). Sessions start on working days
/// (rarely at weekends) between 08:00 and 18:00 UTC, and none starts later than `now_ms` minus
/// three hours, so today's sessions are over.
pub fn person_sessions(
    rng: &mut Rng,
    profile: &Profile,
    today: i64,
    now_ms: i64,
    key_prefix: u32,
) -> Vec<Vec<SessionSummary>> {
    let Profile {
        habits,
        claude_md_from,
        per_day,
        devices,
    } = profile;
    let mut out = vec![Vec::new(); (*devices).max(1)];
    let mut serial: u64 = 0;
    for i in 0..DEMO_DAYS {
        let day = today - (DEMO_DAYS - 1) + i;
        // 1970-01-01 was a Thursday: day % 7 == 2 is Saturday, 3 is Sunday.
        let weekend = matches!(day.rem_euclid(7), 2 | 3);
        let n = if weekend {
            u64::from(rng.chance(0.1))
        } else {
            rng.range(per_day.0, per_day.1)
        };
        for _ in 0..n {
            let start_ms = day * 86_400_000 + (rng.range(8 * 60, 18 * 60) * 60_000) as i64;
            if start_ms > now_ms - 3 * 3_600_000 {
                continue;
            }
            serial += 1;
            let plan = SessionPlan {
                start_ms,
                claude_md_project: claude_md_from.is_some_and(|from| i >= from),
                serial: (u64::from(key_prefix) << 32) | serial,
            };
            let jsonl = transcripts::transcript(rng, habits, plan);
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&key_prefix.to_le_bytes());
            key[4..12].copy_from_slice(&serial.to_le_bytes());
            key[12..].copy_from_slice(b"demo");
            let device = rng.below(out.len() as u64) as usize;
            out[device].push(transcripts::summarize(&jsonl, SessionKey(key)));
        }
    }
    out
}

/// Seeds the demo organization into a fresh server state, uploading through `app` (the
/// application over that state, as [`crate::app`] builds it), and returns what was made.
pub async fn seed_org(state: &AppState, app: &Router) -> ApiResult<Demo> {
    let admin_pw = random_password();
    let admin_email = format!("admin@{EMAIL_DOMAIN}");
    let pair = crate::orgs::create_org_with_admin(state, DEMO_ORG, &admin_email, &admin_pw).await?;
    let admin_caller = seed::caller_of(state, &pair.access_token).await?;
    let grant = crate::policy::admin(&admin_caller)?;
    let org_id = admin_caller.org().clone();
    let mut teams = Vec::new();
    for name in TEAM_NAMES {
        let t = crate::orgs::create_team(state, &grant, name).await?;
        teams.push(DemoTeam {
            team_id: t.team_id,
            name: t.name,
            members: 0,
        });
    }
    let people = people();
    // The printed member and manager get their own passwords; everyone else shares one hash of a
    // password nobody is told (bcrypt once, not 22 times).
    let member_pw = random_password();
    let manager_pw = random_password();
    let shared_hash = seed::password_hash(&random_password()).await?;
    let today = state.clock.today();
    let now_ms = state.now() * 1000;
    let mut rng = Rng::new(DEMO_SEED);
    let mut accounts = Vec::new();
    let mut sessions = 0;
    let mut first_day = i64::MAX;
    let mut last_day = i64::MIN;
    let mut everyone: Vec<(UserId, &Person)> = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let email = format!("{}@{EMAIL_DOMAIN}", person.name);
        let hash = match i {
            0 => seed::password_hash(&member_pw).await?,
            1 => seed::password_hash(&manager_pw).await?,
            _ => shared_hash.clone(),
        };
        let team = person.team.map(|t| teams[t].team_id.clone());
        let user = seed::add_member(state, &grant, &email, &hash, person.role, team.as_ref()).await?;
        if let Some(t) = person.team {
            teams[t].members += 1;
        }
        match i {
            0 => accounts.push(DemoAccount {
                role: Role::Member,
                email,
                password: member_pw.clone(),
            }),
            1 => accounts.push(DemoAccount {
                role: Role::Manager,
                email,
                password: manager_pw.clone(),
            }),
            _ => {}
        }
        everyone.push((user, person));
    }
    accounts.push(DemoAccount {
        role: Role::Admin,
        email: admin_email,
        password: admin_pw,
    });
    let admin_person = Person {
        name: "admin",
        team: None,
        role: Role::Admin,
        profile: Profile {
            habits: habits("balanced"),
            claude_md_from: Some(10),
            per_day: (0, 1),
            devices: 1,
        },
    };
    everyone.push((admin_caller.user().clone(), &admin_person));
    for (k, (user, person)) in everyone.iter().enumerate() {
        let caller = if *user == *admin_caller.user() {
            admin_caller.clone()
        } else {
            seed::caller_of(state, &seed::sign_in_as(state, user).await?).await?
        };
        let per_device = person_sessions(&mut rng, &person.profile, today, now_ms, k as u32 + 1);
        for list in per_device {
            for s in &list {
                let day = s.started_minute.div_euclid(1440);
                first_day = first_day.min(day);
                last_day = last_day.max(day);
            }
            let token = seed::enroll_device(state, &caller).await?;
            sessions += seed::upload(app, &token, &list).await?;
        }
    }
    Ok(Demo {
        org_id,
        accounts,
        teams,
        members: everyone.len(),
        sessions,
        days: (first_day, last_day),
    })
}

/// Demo mode could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The configuration is not fit for a demo.
    #[error(transparent)]
    Refused(#[from] DemoRefused),
    /// The temporary folder could not be made.
    #[error("creating the demo's temporary folder: {0}")]
    TempDir(#[from] std::io::Error),
    /// The server could not start.
    #[error(transparent)]
    Start(#[from] crate::state::StartError),
    /// Seeding failed.
    #[error("seeding the demo organization: {0}")]
    Seed(#[from] crate::error::ApiError),
}

/// A fresh demo server state: checks `cfg` ([`check`]), points it at a new temporary folder
/// (returned: the database is deleted when it is dropped), builds the state and seeds it through
/// the application `app` makes (pass [`crate::app`]; taken as an argument so that this module,
/// like every other, imports nothing from the crate root).
pub async fn start(
    mut cfg: Config,
    app: fn(AppState) -> Router,
) -> Result<(AppState, tempfile::TempDir, Demo), DemoError> {
    check(&cfg)?;
    let dir = tempfile::Builder::new().prefix("prompt1-demo-").tempdir()?;
    cfg.data_dir = Some(dir.path().to_path_buf());
    cfg.print_setup_link = false;
    let state = crate::state::build_state(cfg).await?;
    let demo = seed_org(&state, &app(state.clone())).await?;
    Ok((state, dir, demo))
}
