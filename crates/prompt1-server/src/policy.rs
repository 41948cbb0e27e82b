//! Every access decision, in one place.
//!
//! Why capabilities rather than role checks in handlers: a check that lives in each handler is a
//! check some handler forgets. Here each capability is one function that takes the verified
//! [`Caller`] and the labels of the target (organization, team, user) and returns either a grant
//! or a [`Denied`]. A grant has private fields, so only this module makes one, and it carries the
//! labels it was issued for; the data-access function of each view takes the grant as an argument
//! (and reads the organization, team or user from it, never from the request), so a handler that
//! skipped the check does not compile, and a grant for one team cannot read another.
//!
//! Denials: anything in another organization is [`Denied::NotFound`], exactly like an id that names
//! nothing, so ids cannot be probed across tenants; inside the caller's own organization an
//! insufficient role is [`Denied::Forbidden`].
//!
//! Labels are read with [`team_labels`], [`member_labels`] and [`device_labels`] inside the caller's
//! own organization (row-level security on PostgreSQL), so another organization's target has no
//! labels at all; the decisions still compare the organization, in case a label came from elsewhere.
//!
//! | capability | member | manager | admin |
//! |---|---|---|---|
//! | [`own_data`] (own sessions, rollups, devices, score, coaching) | yes | yes | yes |
//! | [`org_settings`] (read the minimum group size and retention) | yes | yes | yes |
//! | [`org_directory`] (list teams) | yes | yes | yes |
//! | [`team_overview`] of own team: aggregates | yes | yes | yes |
//! | [`team_overview`]: members' scores | no | own team | yes |
//! | [`team_overview`] of another team | no | no | yes |
//! | [`team_rollups`] (daily team totals) | no | own team | yes |
//! | [`list_members`] | no | own team | everyone |
//! | [`manage_device`] (revoke) | own | own | any in the org |
//! | [`admin`], [`manage_member`], [`manage_team`] | no | no | yes |

use crate::auth::{Role, User};
use crate::db::{run, DbError, OrgScope};
use crate::error::ApiError;
use crate::ids::{DeviceId, OrgId, TeamId, UserId};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Missing, or in another organization (the two are indistinguishable on purpose): 404.
    #[error("no such resource")]
    NotFound,
    /// In the caller's organization, but the role does not allow it: 403.
    #[error("your role does not allow this")]
    Forbidden,
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotFound => ApiError::not_found(),
            Denied::Forbidden => ApiError::forbidden(),
        }
    }
}

/// A verified member of an organization: who calls, in which organization, with which role and team.
#[derive(Debug, Clone)]
pub struct Caller {
    user: UserId,
    scope: OrgScope,
    role: Role,
    team: Option<TeamId>,
}

impl Caller {
    /// The caller of a signed-in user's request; 403 `no_organization` for a user outside any.
    pub fn of(user: &User) -> Result<Self, ApiError> {
        let m = user.member()?;
        Ok(Self {
            user: user.user_id.clone(),
            scope: m.scope.clone(),
            role: m.role,
            team: m.team_id.clone(),
        })
    }
    /// The caller's user id.
    pub fn user(&self) -> &UserId {
        &self.user
    }
    /// The caller's organization.
    pub fn org(&self) -> &OrgId {
        self.scope.org_id()
    }
    /// The caller's role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The caller's team, if any.
    pub fn team(&self) -> Option<&TeamId> {
        self.team.as_ref()
    }
    fn same_org(&self, org: &OrgId) -> Result<(), Denied> {
        if self.scope.org_id() == org {
            Ok(())
        } else {
            Err(Denied::NotFound)
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = <User as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        Caller::of(&user)
    }
}

// ---- labels ----

/// A team's labels, as stored.
#[derive(Debug, Clone)]
pub struct TeamLabels {
    org: OrgId,
    team: TeamId,
}

/// A member's labels, as stored.
#[derive(Debug, Clone)]
pub struct MemberLabels {
    org: OrgId,
    user: UserId,
    role: Role,
}

impl MemberLabels {
    /// The member's current role.
    pub fn role(&self) -> Role {
        self.role
    }
}

/// A device's labels, as stored.
#[derive(Debug, Clone)]
pub struct DeviceLabels {
    org: OrgId,
    device: DeviceId,
    owner: UserId,
}

/// The labels of `team` in the caller's organization (none if missing or elsewhere).
pub async fn team_labels(
    st: &AppState,
    caller: &Caller,
    team: &TeamId,
) -> Result<Option<TeamLabels>, ApiError> {
    let mut tx = st.db.begin_org(&caller.scope).await?;
    let org = tx.org().clone();
    let row: Option<(OrgId, TeamId)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT org_id, team_id FROM teams WHERE org_id = $1 AND team_id = $2",
    )
    .bind(&org)
    .bind(team)
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(row.map(|(org, team)| TeamLabels { org, team }))
}

/// The labels of member `user` in the caller's organization (none if not a member there).
pub async fn member_labels(
    st: &AppState,
    caller: &Caller,
    user: &UserId,
) -> Result<Option<MemberLabels>, ApiError> {
    let mut tx = st.db.begin_org(&caller.scope).await?;
    let org = tx.org().clone();
    let row: Option<(OrgId, UserId, String)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT org_id, user_id, role FROM memberships WHERE org_id = $1 AND user_id = $2",
    )
    .bind(&org)
    .bind(user)
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(match row {
        Some((org, user, role)) => Some(MemberLabels {
            org,
            user,
            role: Role::parse(&role).ok_or(DbError::Corrupt("memberships.role"))?,
        }),
        None => None,
    })
}

/// The labels of `device` in the caller's organization (none if missing or elsewhere).
pub async fn device_labels(
    st: &AppState,
    caller: &Caller,
    device: &DeviceId,
) -> Result<Option<DeviceLabels>, ApiError> {
    let mut tx = st.db.begin_org(&caller.scope).await?;
    let org = tx.org().clone();
    let row: Option<(OrgId, DeviceId, UserId)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT org_id, device_id, user_id FROM devices WHERE org_id = $1 AND device_id = $2",
    )
    .bind(&org)
    .bind(device)
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(row.map(|(org, device, owner)| DeviceLabels { org, device, owner }))
}

// ---- grants ----

/// The caller's own data: sessions, rollups, devices, score, coaching.
#[derive(Debug)]
pub struct OwnData {
    scope: OrgScope,
    user: UserId,
}

impl OwnData {
    /// The organization the data lives in.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
    /// Whose data.
    pub fn user(&self) -> &UserId {
        &self.user
    }
}

/// Everyone may read their own data.
pub fn own_data(caller: &Caller) -> OwnData {
    OwnData {
        scope: caller.scope.clone(),
        user: caller.user.clone(),
    }
}

/// Organization administration by an admin.
#[derive(Debug)]
pub struct AdminGrant {
    scope: OrgScope,
    actor: UserId,
}

impl AdminGrant {
    /// The organization administered.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
    /// The admin acting (for the audit log).
    pub fn actor(&self) -> &UserId {
        &self.actor
    }
}

/// Admins only.
pub fn admin(caller: &Caller) -> Result<AdminGrant, Denied> {
    if caller.role == Role::Admin {
        Ok(AdminGrant {
            scope: caller.scope.clone(),
            actor: caller.user.clone(),
        })
    } else {
        Err(Denied::Forbidden)
    }
}

/// Reading the organization's settings (minimum group size, retention).
#[derive(Debug)]
pub struct OrgSettingsRead {
    scope: OrgScope,
}

impl OrgSettingsRead {
    /// The organization.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
}

/// Every member may read the settings that protect them (how small a group is never shown, how
/// long data is kept); only admins change them ([`admin`]).
pub fn org_settings(caller: &Caller) -> OrgSettingsRead {
    OrgSettingsRead {
        scope: caller.scope.clone(),
    }
}

/// Reading the organization's directory (its teams), which every member may.
#[derive(Debug)]
pub struct OrgDirectory {
    scope: OrgScope,
}

impl OrgDirectory {
    /// The organization.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
}

/// Every member may list the organization's teams.
pub fn org_directory(caller: &Caller) -> OrgDirectory {
    OrgDirectory {
        scope: caller.scope.clone(),
    }
}

/// Changing one member (role, team, removal) by an admin.
#[derive(Debug)]
pub struct ManageMember {
    admin: AdminGrant,
    target: UserId,
    target_role: Role,
}

impl ManageMember {
    /// The admin grant this rests on.
    pub fn admin(&self) -> &AdminGrant {
        &self.admin
    }
    /// The member changed.
    pub fn target(&self) -> &UserId {
        &self.target
    }
    /// The member's role when the grant was issued.
    pub fn target_role(&self) -> Role {
        self.target_role
    }
}

/// Admins manage members of their organization.
pub fn manage_member(caller: &Caller, target: Option<&MemberLabels>) -> Result<ManageMember, Denied> {
    let t = target.ok_or(Denied::NotFound)?;
    caller.same_org(&t.org)?;
    Ok(ManageMember {
        admin: admin(caller)?,
        target: t.user.clone(),
        target_role: t.role,
    })
}

/// Renaming or deleting one team, by an admin.
#[derive(Debug)]
pub struct ManageTeam {
    admin: AdminGrant,
    team: TeamId,
}

impl ManageTeam {
    /// The admin grant this rests on.
    pub fn admin(&self) -> &AdminGrant {
        &self.admin
    }
    /// The team.
    pub fn team(&self) -> &TeamId {
        &self.team
    }
}

/// Admins manage teams of their organization.
pub fn manage_team(caller: &Caller, target: Option<&TeamLabels>) -> Result<ManageTeam, Denied> {
    let t = target.ok_or(Denied::NotFound)?;
    caller.same_org(&t.org)?;
    Ok(ManageTeam {
        admin: admin(caller)?,
        team: t.team.clone(),
    })
}

/// An admin's use of one team as a target (an invite into it, moving a member into it).
pub fn use_team(caller: &Caller, target: Option<&TeamLabels>) -> Result<TeamId, Denied> {
    manage_team(caller, target).map(|g| g.team)
}

/// Whose members a listing shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberScope {
    /// Everyone in the organization (admins).
    All,
    /// One team (its managers).
    Team(TeamId),
}

/// Listing members.
#[derive(Debug)]
pub struct MemberList {
    scope: OrgScope,
    members: MemberScope,
}

impl MemberList {
    /// The organization.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
    /// Whose members.
    pub fn members(&self) -> &MemberScope {
        &self.members
    }
}

/// Admins list everyone; managers their own team; members nobody (403).
pub fn list_members(caller: &Caller) -> Result<MemberList, Denied> {
    let members = match (caller.role, &caller.team) {
        (Role::Admin, _) => MemberScope::All,
        (Role::Manager, Some(t)) => MemberScope::Team(t.clone()),
        _ => return Err(Denied::Forbidden),
    };
    Ok(MemberList {
        scope: caller.scope.clone(),
        members,
    })
}

/// Reading one team's daily totals.
#[derive(Debug)]
pub struct TeamRollups {
    scope: OrgScope,
    team: TeamId,
}

impl TeamRollups {
    /// The organization.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
    /// The team.
    pub fn team(&self) -> &TeamId {
        &self.team
    }
}

fn manages(caller: &Caller, team: &TeamId) -> bool {
    caller.role == Role::Admin || (caller.role == Role::Manager && caller.team.as_ref() == Some(team))
}

/// Admins, and managers of that team.
pub fn team_rollups(caller: &Caller, target: Option<&TeamLabels>) -> Result<TeamRollups, Denied> {
    let t = target.ok_or(Denied::NotFound)?;
    caller.same_org(&t.org)?;
    if !manages(caller, &t.team) {
        return Err(Denied::Forbidden);
    }
    Ok(TeamRollups {
        scope: caller.scope.clone(),
        team: t.team.clone(),
    })
}

/// Reading one team's overview: aggregates always, members' scores only for those who may see them.
#[derive(Debug)]
pub struct TeamOverview {
    scope: OrgScope,
    team: TeamId,
    member_scores: Option<MemberScores>,
}

/// The part of a team overview that names people: their proficiency scores.
#[derive(Debug)]
pub struct MemberScores {
    team: TeamId,
}

impl MemberScores {
    /// The team whose members' scores may be read.
    pub fn team(&self) -> &TeamId {
        &self.team
    }
}

impl TeamOverview {
    /// The organization.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
    /// The team.
    pub fn team(&self) -> &TeamId {
        &self.team
    }
    /// The right to read members' scores, for admins and the team's managers.
    pub fn member_scores(&self) -> Option<&MemberScores> {
        self.member_scores.as_ref()
    }
}

/// Admins and the team's managers: everything; the team's members: aggregates only; anyone else
/// in the organization: 403; a team elsewhere or missing: 404.
pub fn team_overview(caller: &Caller, target: Option<&TeamLabels>) -> Result<TeamOverview, Denied> {
    let t = target.ok_or(Denied::NotFound)?;
    caller.same_org(&t.org)?;
    let member_scores = if manages(caller, &t.team) {
        Some(MemberScores { team: t.team.clone() })
    } else if caller.team.as_ref() == Some(&t.team) {
        None
    } else {
        return Err(Denied::Forbidden);
    };
    Ok(TeamOverview {
        scope: caller.scope.clone(),
        team: t.team.clone(),
        member_scores,
    })
}

/// Revoking one device.
#[derive(Debug)]
pub struct ManageDevice {
    scope: OrgScope,
    actor: UserId,
    device: DeviceId,
}

impl ManageDevice {
    /// The organization.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }
    /// Who acts (the owner or an admin).
    pub fn actor(&self) -> &UserId {
        &self.actor
    }
    /// The device.
    pub fn device(&self) -> &DeviceId {
        &self.device
    }
}

/// The device's owner, or an admin of its organization.
pub fn manage_device(caller: &Caller, target: Option<&DeviceLabels>) -> Result<ManageDevice, Denied> {
    let d = target.ok_or(Denied::NotFound)?;
    caller.same_org(&d.org)?;
    if d.owner != caller.user && caller.role != Role::Admin {
        return Err(Denied::Forbidden);
    }
    Ok(ManageDevice {
        scope: caller.scope.clone(),
        actor: caller.user.clone(),
        device: d.device.clone(),
    })
}

/// 403 `no_organization`, for users outside any organization.
pub fn no_organization() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "no_organization",
        "you are not a member of an organization",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(org: &OrgId, role: Role, team: Option<&TeamId>) -> Caller {
        Caller {
            user: UserId::generate(),
            scope: OrgScope::trusted(org),
            role,
            team: team.cloned(),
        }
    }

    #[test]
    fn team_overview_follows_the_role_table() {
        let (org, other_org) = (OrgId::generate(), OrgId::generate());
        let (t1, t2) = (TeamId::generate(), TeamId::generate());
        let l1 = TeamLabels {
            org: org.clone(),
            team: t1.clone(),
        };
        let foreign = TeamLabels {
            org: other_org.clone(),
            team: t1.clone(),
        };
        // (role, own team, sees aggregates, sees scores)
        let cases = [
            (Role::Member, Some(&t1), Ok(false)),
            (Role::Member, Some(&t2), Err(Denied::Forbidden)),
            (Role::Member, None, Err(Denied::Forbidden)),
            (Role::Manager, Some(&t1), Ok(true)),
            (Role::Manager, Some(&t2), Err(Denied::Forbidden)),
            (Role::Admin, None, Ok(true)),
        ];
        for (role, team, want) in cases {
            let c = caller(&org, role, team);
            let got = team_overview(&c, Some(&l1)).map(|g| g.member_scores().is_some());
            assert_eq!(got, want, "{role:?} in {team:?}");
            assert_eq!(team_overview(&c, None).err(), Some(Denied::NotFound));
            assert_eq!(team_overview(&c, Some(&foreign)).err(), Some(Denied::NotFound));
        }
        let other_admin = caller(&other_org, Role::Admin, None);
        assert_eq!(
            team_overview(&other_admin, Some(&l1)).err(),
            Some(Denied::NotFound)
        );
    }

    #[test]
    fn devices_are_managed_by_their_owner_or_an_admin() {
        let org = OrgId::generate();
        let owner = caller(&org, Role::Member, None);
        let d = DeviceLabels {
            org: org.clone(),
            device: DeviceId::generate(),
            owner: owner.user.clone(),
        };
        assert!(manage_device(&owner, Some(&d)).is_ok());
        assert_eq!(
            manage_device(&caller(&org, Role::Manager, None), Some(&d)).err(),
            Some(Denied::Forbidden)
        );
        assert!(manage_device(&caller(&org, Role::Admin, None), Some(&d)).is_ok());
        assert_eq!(
            manage_device(&caller(&OrgId::generate(), Role::Admin, None), Some(&d)).err(),
            Some(Denied::NotFound)
        );
    }

    #[test]
    fn only_admins_administer_and_foreign_targets_are_missing() {
        let org = OrgId::generate();
        let m = MemberLabels {
            org: org.clone(),
            user: UserId::generate(),
            role: Role::Member,
        };
        for role in [Role::Member, Role::Manager] {
            let c = caller(&org, role, None);
            assert_eq!(admin(&c).err(), Some(Denied::Forbidden));
            assert_eq!(manage_member(&c, Some(&m)).err(), Some(Denied::Forbidden));
        }
        let a = caller(&org, Role::Admin, None);
        assert_eq!(manage_member(&a, Some(&m)).unwrap().target(), &m.user);
        assert_eq!(manage_member(&a, None).err(), Some(Denied::NotFound));
        let stranger = caller(&OrgId::generate(), Role::Admin, None);
        assert_eq!(manage_member(&stranger, Some(&m)).err(), Some(Denied::NotFound));
    }
}
