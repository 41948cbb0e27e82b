//! The access matrix of the JSON API: every route of `api::route_table()` x every role (anonymous,
//! member, manager of the target's team, manager of another team, admin, another organization's
//! admin, a device) x every target (a team, member or device of team A, of team B, of another
//! organization), with the exact status expected, on both backends.
//!
//! The rows are looked up by (method, path) from the route table the router is built from, so a
//! route added without a row here fails this test. Allowed calls that would destroy the fixture
//! (delete, leave, log out, change password, revoke) are made on a fresh target or caller of the
//! same kind (a new member of the same team and role, a new team of the same organization, a new
//! device of the same person), so every cell is really exercised.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{create_team, server, Kind, TestServer};
use prompt1_server::api::{route_table, Access};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    /// Member of team A.
    Member,
    /// Manager of team A.
    ManagerA,
    /// Manager of team B.
    ManagerB,
    Admin,
    /// Admin of organization X.
    OtherAdmin,
    /// A device token of the member.
    Device,
}

const ROLES: [Role; 7] = [
    Role::Anonymous,
    Role::Member,
    Role::ManagerA,
    Role::ManagerB,
    Role::Admin,
    Role::OtherAdmin,
    Role::Device,
];

/// Whose team, member or device a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Team A (the member's and manager A's team), a member of it, or that member's device.
    TeamA,
    /// Team B, a member of it, or that member's device.
    TeamB,
    /// Organization X's team, member or device.
    OtherOrg,
}

const TARGETS: [Target; 3] = [Target::TeamA, Target::TeamB, Target::OtherOrg];

struct Fixture {
    s: TestServer,
    admin: String,
    other_admin: String,
    member: String,
    manager_a: String,
    manager_b: String,
    device: String,
    team_a: String,
    team_b: String,
    team_x: String,
    /// (token, user id, device id) of a member of team A, of team B, of org X.
    a2: (String, String, String),
    b1: (String, String, String),
    x1: (String, String, String),
    n: AtomicU32,
}

async fn me_id(s: &TestServer, tok: &str) -> String {
    s.get_json("/api/v1/me", tok).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn device_of(s: &TestServer, tok: &str) -> String {
    s.device_token(tok).await;
    s.get_json("/api/v1/devices", tok).await[0]["device_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

impl Fixture {
    async fn new(s: TestServer) -> Self {
        let (admin, _) = s.setup_admin("admin@a.test", "admin password 1").await;
        let other_admin =
            prompt1_server::orgs::create_org_with_admin(&s.state, "X", "admin@x.test", "admin password 2")
                .await
                .unwrap()
                .access_token;
        let team_a = create_team(&s, &admin, "A").await;
        let team_b = create_team(&s, &admin, "B").await;
        let team_x = create_team(&s, &other_admin, "X").await;
        let member = s.add_member(&admin, "m1@a.test", "member", Some(&team_a)).await;
        let manager_a = s.add_member(&admin, "ga@a.test", "manager", Some(&team_a)).await;
        let manager_b = s.add_member(&admin, "gb@a.test", "manager", Some(&team_b)).await;
        let device = s.device_token(&member).await;
        let mut people = Vec::new();
        for (inviter, email, team) in [
            (&admin, "m2@a.test", &team_a),
            (&admin, "b1@a.test", &team_b),
            (&other_admin, "x1@x.test", &team_x),
        ] {
            let tok = s.add_member(inviter, email, "member", Some(team)).await;
            let id = me_id(&s, &tok).await;
            let dev = device_of(&s, &tok).await;
            people.push((tok, id, dev));
        }
        let x1 = people.pop().unwrap();
        let b1 = people.pop().unwrap();
        let a2 = people.pop().unwrap();
        Self {
            s,
            admin,
            other_admin,
            member,
            manager_a,
            manager_b,
            device,
            team_a,
            team_b,
            team_x,
            a2,
            b1,
            x1,
            n: AtomicU32::new(0),
        }
    }

    fn token(&self, role: Role) -> Option<String> {
        match role {
            Role::Anonymous => None,
            Role::Member => Some(self.member.clone()),
            Role::ManagerA => Some(self.manager_a.clone()),
            Role::ManagerB => Some(self.manager_b.clone()),
            Role::Admin => Some(self.admin.clone()),
            Role::OtherAdmin => Some(self.other_admin.clone()),
            Role::Device => Some(self.device.clone()),
        }
    }

    fn unique(&self) -> u32 {
        self.n.fetch_add(1, Ordering::SeqCst)
    }

    /// A new caller of the same kind as `role` (same organization, team and role).
    async fn fresh_caller(&self, role: Role) -> Option<String> {
        let n = self.unique();
        let (inviter, r, team) = match role {
            Role::Anonymous => return None,
            Role::Device => return Some(self.s.device_token(&self.member).await),
            Role::Member => (&self.admin, "member", Some(&self.team_a)),
            Role::ManagerA => (&self.admin, "manager", Some(&self.team_a)),
            Role::ManagerB => (&self.admin, "manager", Some(&self.team_b)),
            Role::Admin => (&self.admin, "admin", None),
            Role::OtherAdmin => (&self.other_admin, "admin", None),
        };
        Some(
            self.s
                .add_member(inviter, &format!("fresh{n}@a.test"), r, team.map(String::as_str))
                .await,
        )
    }

    fn team(&self, t: Target) -> &str {
        match t {
            Target::TeamA => &self.team_a,
            Target::TeamB => &self.team_b,
            Target::OtherOrg => &self.team_x,
        }
    }

    fn person(&self, t: Target) -> &(String, String, String) {
        match t {
            Target::TeamA => &self.a2,
            Target::TeamB => &self.b1,
            Target::OtherOrg => &self.x1,
        }
    }

    fn admin_of(&self, t: Target) -> &str {
        if t == Target::OtherOrg {
            &self.other_admin
        } else {
            &self.admin
        }
    }

    /// A new object of the same kind as the target's (for allowed destructive calls).
    async fn fresh_id(&self, kind: Kind2, t: Target) -> String {
        let n = self.unique();
        match kind {
            Kind2::Team => create_team(&self.s, self.admin_of(t), &format!("T{n}")).await,
            Kind2::Member => {
                let tok = self
                    .s
                    .add_member(
                        self.admin_of(t),
                        &format!("target{n}@a.test"),
                        "member",
                        Some(self.team(t)),
                    )
                    .await;
                me_id(&self.s, &tok).await
            }
            Kind2::Device => {
                let tok = &self.person(t).0;
                self.s.device_token(tok).await;
                self.s.get_json("/api/v1/devices", tok).await[0]["device_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        }
    }

    fn id(&self, kind: Kind2, t: Target) -> String {
        match kind {
            Kind2::Team => self.team(t).to_owned(),
            Kind2::Member => self.person(t).1.clone(),
            Kind2::Device => self.person(t).2.clone(),
        }
    }
}

/// What a path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind2 {
    Team,
    Member,
    Device,
}

/// One row of the matrix.
struct Row {
    /// The path parameter's kind, if the route has one.
    param: Option<Kind2>,
    /// Allowed calls change the fixture: make them on fresh objects or callers.
    destructive: bool,
    /// Statuses by target (one entry without a parameter), each by role in [`ROLES`] order.
    expect: Vec<[u16; 7]>,
}

fn row(param: Option<Kind2>, destructive: bool, expect: Vec<[u16; 7]>) -> Row {
    Row {
        param,
        destructive,
        expect,
    }
}

/// The matrix. Roles: anonymous, member (A), manager A, manager B, admin, other org's admin, device.
fn matrix(method: &str, path: &str) -> Option<Row> {
    const ALL_200: [u16; 7] = [200; 7];
    const USER_200: [u16; 7] = [401, 200, 200, 200, 200, 200, 401];
    const USER_204: [u16; 7] = [401, 204, 204, 204, 204, 204, 401];
    const ADMIN_ONLY: [u16; 7] = [401, 403, 403, 403, 200, 200, 401];
    use Kind2::*;
    Some(match (method, path) {
        ("GET", "/openapi.json") => row(None, false, vec![ALL_200]),
        ("POST", "/auth/login") => row(None, false, vec![ALL_200]),
        ("POST", "/auth/refresh") => row(None, false, vec![[401; 7]]),
        ("POST", "/auth/logout") => row(None, true, vec![USER_204]),
        ("POST", "/auth/password") => row(None, true, vec![USER_204]),
        ("GET", "/me") => row(None, false, vec![USER_200]),
        ("GET", "/me/rollups" | "/me/sessions" | "/me/proficiency" | "/me/coaching") => {
            row(None, false, vec![USER_200])
        }
        ("POST", "/invites") => row(None, false, vec![[401, 403, 403, 403, 201, 201, 401]]),
        ("POST", "/invites/accept") => row(None, false, vec![[400, 404, 404, 404, 404, 404, 401]]),
        ("POST", "/org/leave") => row(None, true, vec![USER_204]),
        ("GET", "/org/settings") => row(None, false, vec![USER_200]),
        ("PUT", "/org/settings") => row(None, false, vec![ADMIN_ONLY]),
        ("GET", "/org/members") => row(None, false, vec![[401, 403, 200, 200, 200, 200, 401]]),
        ("DELETE", "/org/members/{user_id}") => row(
            Some(Member),
            true,
            vec![
                [401, 403, 403, 403, 204, 404, 401],
                [401, 403, 403, 403, 204, 404, 401],
                [401, 404, 404, 404, 404, 204, 401],
            ],
        ),
        ("PUT", "/org/members/{user_id}/role" | "/org/members/{user_id}/team") => row(
            Some(Member),
            false,
            vec![
                [401, 403, 403, 403, 204, 404, 401],
                [401, 403, 403, 403, 204, 404, 401],
                [401, 404, 404, 404, 404, 204, 401],
            ],
        ),
        ("GET", "/teams") => row(None, false, vec![USER_200]),
        ("POST", "/teams") => row(None, false, vec![[401, 403, 403, 403, 201, 201, 401]]),
        ("PUT", "/teams/{team_id}") => row(
            Some(Team),
            false,
            vec![
                [401, 403, 403, 403, 204, 404, 401],
                [401, 403, 403, 403, 204, 404, 401],
                [401, 404, 404, 404, 404, 204, 401],
            ],
        ),
        ("DELETE", "/teams/{team_id}") => row(
            Some(Team),
            true,
            vec![
                [401, 403, 403, 403, 204, 404, 401],
                [401, 403, 403, 403, 204, 404, 401],
                [401, 404, 404, 404, 404, 204, 401],
            ],
        ),
        ("GET", "/teams/{team_id}/rollups") => row(
            Some(Team),
            false,
            vec![
                [401, 403, 200, 403, 200, 404, 401],
                [401, 403, 403, 200, 200, 404, 401],
                [401, 404, 404, 404, 404, 200, 401],
            ],
        ),
        ("GET", "/teams/{team_id}/overview") => row(
            Some(Team),
            false,
            vec![
                [401, 200, 200, 403, 200, 404, 401],
                [401, 403, 403, 200, 200, 404, 401],
                [401, 404, 404, 404, 404, 200, 401],
            ],
        ),
        ("GET", "/devices") => row(None, false, vec![USER_200]),
        ("DELETE", "/devices/{device_id}") => row(
            Some(Device),
            true,
            vec![
                [401, 403, 403, 403, 204, 404, 401],
                [401, 403, 403, 403, 204, 404, 401],
                [401, 404, 404, 404, 404, 204, 401],
            ],
        ),
        ("POST", "/device/code") => row(None, false, vec![ALL_200]),
        ("POST", "/device/token") => row(None, false, vec![[400; 7]]),
        ("POST", "/device/approve" | "/device/deny") => {
            row(None, false, vec![[401, 404, 404, 404, 404, 404, 401]])
        }
        ("POST", "/device/revoke") => row(None, true, vec![[401, 401, 401, 401, 401, 401, 204]]),
        ("POST", "/ingest") => row(None, false, vec![[401, 401, 401, 401, 401, 401, 200]]),
        _ => return None,
    })
}

/// The request body of a route for a target.
fn body(f: &Fixture, method: &str, path: &str, target: Option<Target>) -> Option<Value> {
    let n = f.unique();
    Some(match (method, path) {
        ("POST", "/auth/login") => json!({"email": "admin@a.test", "password": "admin password 1"}),
        ("POST", "/auth/refresh") => json!({"refresh_token": "p1r_not-a-token"}),
        ("POST", "/auth/password") => {
            json!({"current_password": "correct horse battery", "new_password": "another password 1"})
        }
        ("POST", "/invites") => json!({"role": "member"}),
        ("POST", "/invites/accept") => json!({"token": "nope"}),
        ("PUT", "/org/settings") => json!({"min_group_size": 3}),
        ("PUT", "/org/members/{user_id}/role") => json!({"role": "member"}),
        ("PUT", "/org/members/{user_id}/team") => json!({"team_id": f.team(target?)}),
        ("POST", "/teams") => json!({"name": format!("new{n}")}),
        ("PUT", "/teams/{team_id}") => json!({"name": match target? {
            Target::TeamA => "A",
            Target::TeamB => "B",
            Target::OtherOrg => "X",
        }}),
        ("POST", "/device/token") => json!({"device_code": "nope"}),
        ("POST", "/device/approve" | "/device/deny") => json!({"user_code": "BCDF-GHJK"}),
        ("POST", "/ingest") => json!({"sessions": []}),
        _ => return None,
    })
}

async fn every_route_role_and_target(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let f = Fixture::new(s).await;
    let routes = route_table();
    let mut missing = Vec::new();
    for spec in &routes {
        let Some(row) = matrix(spec.method, spec.path) else {
            missing.push(format!("{} {}", spec.method, spec.path));
            continue;
        };
        let targets: Vec<Option<Target>> = match row.param {
            None => vec![None],
            Some(_) => TARGETS.into_iter().map(Some).collect(),
        };
        assert_eq!(targets.len(), row.expect.len(), "{} {}", spec.method, spec.path);
        for (target, expect) in targets.into_iter().zip(&row.expect) {
            for (role, want) in ROLES.into_iter().zip(expect) {
                let allowed = (200..300).contains(want);
                let token = if row.destructive && allowed && row.param.is_none() {
                    f.fresh_caller(role).await
                } else {
                    f.token(role)
                };
                let id = match (row.param, target) {
                    (Some(k), Some(t)) if row.destructive && allowed => Some(f.fresh_id(k, t).await),
                    (Some(k), Some(t)) => Some(f.id(k, t)),
                    _ => None,
                };
                let path = match id {
                    Some(id) => spec
                        .path
                        .replace("{team_id}", &id)
                        .replace("{user_id}", &id)
                        .replace("{device_id}", &id),
                    None => spec.path.to_owned(),
                };
                let method = Method::from_bytes(spec.method.as_bytes()).unwrap();
                let r =
                    f.s.call(
                        method,
                        &format!("/api/v1{path}"),
                        token.as_deref(),
                        body(&f, spec.method, spec.path, target),
                    )
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::from_u16(*want).unwrap(),
                    "{} {} as {role:?} on {target:?}: {}",
                    spec.method,
                    spec.path,
                    r.text()
                );
                if r.status.is_client_error() {
                    assert!(!r.error_code().is_empty(), "JSON error body");
                }
            }
        }
        // The access class in the table agrees with the matrix: a route that takes credentials
        // refuses anonymous callers, and only device routes accept a device.
        for expect in &row.expect {
            if spec.access != Access::Public {
                assert_eq!(expect[0], 401, "{} {}", spec.method, spec.path);
            }
            if matches!(spec.access, Access::User | Access::Member) {
                assert_eq!(expect[6], 401, "{} {}", spec.method, spec.path);
            }
        }
    }
    assert!(missing.is_empty(), "routes without a matrix row: {missing:?}");
    // The fixture survived: the member still reads their team's overview.
    let r =
        f.s.call(
            Method::GET,
            &format!("/api/v1/teams/{}/overview", f.team_a),
            Some(&f.member),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

/// The route table and the OpenAPI document list the same operations.
#[test]
fn route_table_matches_the_openapi_document() {
    let doc = serde_json::to_value(prompt1_server::api::openapi_doc()).unwrap();
    let mut documented: Vec<String> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push(format!(
                "{} {}",
                method.to_uppercase(),
                path.trim_start_matches("/api/v1")
            ));
        }
    }
    let mut table: Vec<String> = route_table()
        .iter()
        .filter(|r| r.path != "/openapi.json")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    documented.sort();
    table.sort();
    assert_eq!(documented, table);
}

/// Every object in `v` has typed properties (or typed map values): no free-form `Object`.
fn free_form_objects(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if m.get("type") == Some(&json!("object"))
                && !m.contains_key("properties")
                && !m.get("additionalProperties").is_some_and(|a| a.is_object())
            {
                out.push(at.to_owned());
            }
            for (k, x) in m {
                free_form_objects(x, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                free_form_objects(x, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The new endpoints' request and response schemas are fully typed: no free-form objects.
#[test]
fn new_views_have_typed_schemas() {
    let doc = serde_json::to_value(prompt1_server::api::openapi_doc()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut found = Vec::new();
    for name in [
        "ProficiencyView",
        "CoachingView",
        "TeamOverviewView",
        "TeamRollupsView",
        "TeamDay",
        "DayTotals",
        "WeekView",
        "WeekTotals",
        "ModelUsage",
        "MemberScore",
        "ScoreDistribution",
        "Withheld",
        "OrgSettings",
        "OrgSettingsUpdate",
        "Tip",
        "Proficiency",
        "Component",
        "Evidence",
        "OrgDistribution",
        "ClaudeMdEffect",
    ] {
        let s = schemas
            .get(name)
            .unwrap_or_else(|| panic!("schema {name} missing from the document"));
        free_form_objects(s, name, &mut found);
    }
    assert!(found.is_empty(), "free-form objects: {found:?}");
    for path in [
        "/api/v1/me/proficiency",
        "/api/v1/me/coaching",
        "/api/v1/teams/{team_id}/overview",
        "/api/v1/org/settings",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
}

both_backends!(every_route_role_and_target);
