//! Staff administration (職員管理) by the municipality's `admin`: the staff list, adding a
//! member of staff, changing their name, agency and roles, disabling and enabling them,
//! resetting their password and revoking their tokens. Decided on `Subject::Users` (the
//! admin of the same municipality only: another municipality's user is answered like a
//! missing one), each change audited with what changed. The rules — username, display
//! name, roles, the password policy and the one-time password — are the domain's
//! (`identity`), shared with the `kasane user` commands. Nothing here reads the data of
//! the persons supported.

use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::identity::{AgencyId, DisplayName, NewPassword, Role, Roles, UserId, Username};
use kasane_store::token::ApiToken;
use kasane_store::user::{NewUser, User};

use crate::error::{already, invalid};
use crate::guard::{Grant, Object, not_found, record_on, users_grant};
use crate::{App, AppError, AppResult, Caller, page_number};

/// Rows on a page of the staff list.
pub const PAGE_ROWS: i64 = 50;

/// One page of the municipality's staff, by username.
#[derive(Debug, Clone)]
pub struct StaffPage {
    pub rows: Vec<User>,
    pub page: i64,
    pub has_more: bool,
}

/// A member of staff with their personal access tokens.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub user: User,
    pub tokens: Vec<ApiToken>,
}

/// What an admin types to add a member of staff. An empty password asks for a one-time
/// initial password.
#[derive(Debug, Clone, Default)]
pub struct StaffDraft {
    pub username: String,
    pub display_name: String,
    pub agency_id: Option<AgencyId>,
    pub roles: Vec<String>,
    pub password: String,
}

/// A change of a member of staff's name, agency and roles.
#[derive(Debug, Clone, Default)]
pub struct StaffChange {
    pub display_name: String,
    pub agency_id: Option<AgencyId>,
    pub roles: Vec<String>,
}

/// A password set by the admin, or a one-time password generated for them: the text is
/// answered only when generated (to be shown once and handed over).
pub struct PasswordChoice {
    pub password: NewPassword,
    pub generated: Option<String>,
}

impl PasswordChoice {
    /// `typed`, checked against the policy, or a one-time password when empty.
    pub fn of(typed: &str) -> Result<PasswordChoice, kasane_domain::identity::IdentityError> {
        if typed.is_empty() {
            let (password, shown) = NewPassword::generate();
            Ok(PasswordChoice {
                password,
                generated: Some(shown),
            })
        } else {
            Ok(PasswordChoice {
                password: NewPassword::parse(typed)?,
                generated: None,
            })
        }
    }
}

/// The roles of a form or request, each a domain code, at least one.
fn roles_of(codes: &[String]) -> Result<Roles, String> {
    let roles: Roles = codes
        .join(",")
        .parse()
        .map_err(|e: kasane_domain::identity::UnknownRole| format!("役割: {e}"))?;
    roles.required().map_err(|e| format!("役割: {e}"))
}

/// The agency, which must be one of the caller's municipality's.
async fn agency_of(app: &App, caller: &Caller, id: Option<AgencyId>) -> Result<AgencyId, String> {
    const NOT_OURS: &str = "所属機関: この自治体の機関を選んでください";
    let id = id.ok_or(NOT_OURS)?;
    app.store
        .agency(caller.municipality.id, id)
        .await
        .map(|a| a.id)
        .map_err(|_| NOT_OURS.to_string())
}

/// The staff list of the caller's municipality, a page at a time.
pub async fn list_staff(app: &App, caller: &Caller, page: Option<i64>) -> AppResult<StaffPage> {
    let page = page_number(page)?;
    app.unit(async |app| {
        let mid = caller.municipality.id;
        let grant = users_grant(app, caller, Action::Read, mid, object("")).await?;
        let mut rows = app
            .store
            .users_page(mid, (page - 1) * PAGE_ROWS, PAGE_ROWS + 1)
            .await?;
        let has_more = rows.len() > PAGE_ROWS as usize;
        rows.truncate(PAGE_ROWS as usize);
        crate::guard::record(app, caller, &grant, AuditAction::View, object(""), "list").await?;
        Ok(StaffPage {
            rows,
            page,
            has_more,
        })
    })
    .await
}

fn object(id: &str) -> Object<'_> {
    Object { kind: "user", id }
}

async fn record(
    app: &App,
    caller: &Caller,
    grant: &Grant,
    action: AuditAction,
    id: UserId,
    what: &str,
) -> AppResult<()> {
    record_on(app, caller, grant, action, "user", id, what).await
}

/// User `id` with the grant to act on them: a missing one and another municipality's
/// are both 404 (audited; the latter in the operator's chain too), a caller who is not
/// admin 403.
async fn member(
    app: &App,
    caller: &Caller,
    action: Action,
    id: UserId,
) -> AppResult<(User, Grant)> {
    let Some(user) = app.store.user_any(id).await? else {
        return Err(not_found(app, caller, "user", id).await);
    };
    let oid = id.to_string();
    let grant = users_grant(app, caller, action, user.municipality_id, object(&oid)).await?;
    Ok((user, grant))
}

/// A member of staff and their tokens (ids, names, last use; never the secrets).
pub async fn staff_member(app: &App, caller: &Caller, id: UserId) -> AppResult<StaffMember> {
    app.unit(async |app| {
        let (user, grant) = member(app, caller, Action::Read, id).await?;
        record(app, caller, &grant, AuditAction::View, id, "").await?;
        Ok(StaffMember {
            tokens: app.store.tokens(user.id).await?,
            user,
        })
    })
    .await
}

/// Adds a member of staff to the caller's municipality: the new id, and the one-time
/// initial password when none was typed. Every problem at once, in field order (422).
pub async fn add_staff(
    app: &App,
    caller: &Caller,
    draft: &StaffDraft,
) -> AppResult<(UserId, Option<String>)> {
    app.unit(async |app| {
        let mid = caller.municipality.id;
        let grant = users_grant(app, caller, Action::Create, mid, object("")).await?;
        let mut problems = Vec::new();
        let username = Username::parse(&draft.username)
            .map_err(|e| problems.push(format!("ユーザー名: {e}")))
            .ok();
        let display_name = DisplayName::parse(&draft.display_name)
            .map_err(|e| problems.push(format!("表示名: {e}")))
            .ok();
        let agency = agency_of(app, caller, draft.agency_id)
            .await
            .map_err(|e| problems.push(e))
            .ok();
        let roles = roles_of(&draft.roles).map_err(|e| problems.push(e)).ok();
        let password = PasswordChoice::of(&draft.password)
            .map_err(|e| problems.push(format!("初期パスワード: {e}")))
            .ok();
        let (Some(username), Some(display_name), Some(agency_id), Some(roles), Some(password)) =
            (username, display_name, agency, roles, password)
        else {
            return Err(invalid(&problems));
        };
        let hash = password.password.hash().map_err(|_| AppError::Internal)?;
        let id = app
            .store
            .create_user(NewUser {
                municipality_id: mid,
                agency_id,
                username: &username,
                display_name: &display_name,
                password_hash: &hash,
                roles: &roles,
            })
            .await?;
        let what = format!("add roles={}", roles.to_codes());
        record(app, caller, &grant, AuditAction::Create, id, &what).await?;
        Ok((id, password.generated))
    })
    .await
}

/// Changes a member of staff's display name, agency and roles. An admin does not take
/// their own admin role away (the municipality would be left with no one to give it back).
pub async fn change_staff(
    app: &App,
    caller: &Caller,
    id: UserId,
    change: &StaffChange,
) -> AppResult<()> {
    app.unit(async |app| {
        let (user, grant) = member(app, caller, Action::Update, id).await?;
        let mut problems = Vec::new();
        let display_name = DisplayName::parse(&change.display_name)
            .map_err(|e| problems.push(format!("表示名: {e}")))
            .ok();
        let agency = agency_of(app, caller, change.agency_id)
            .await
            .map_err(|e| problems.push(e))
            .ok();
        let roles = match roles_of(&change.roles) {
            Ok(r) if user.id == caller.user.id && !r.has(Role::Admin) => {
                problems.push("役割: 自分のシステム管理者の役割は外せません".to_string());
                None
            }
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        let (Some(display_name), Some(agency_id), Some(roles)) = (display_name, agency, roles)
        else {
            return Err(invalid(&problems));
        };
        let changed: Vec<&str> = [
            ("display_name", display_name.as_str() != user.display_name),
            ("agency", agency_id != user.agency_id),
            ("roles", roles != user.roles()),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect();
        app.store
            .update_user(user.id, agency_id, &display_name, &roles)
            .await?;
        let what = format!("change {}", changed.join(","));
        record(app, caller, &grant, AuditAction::Update, id, &what).await
    })
    .await
}

/// Disables a member of staff — their sessions and tokens stop working at once — or
/// enables them again. An admin does not disable themselves.
pub async fn set_staff_enabled(
    app: &App,
    caller: &Caller,
    id: UserId,
    enabled: bool,
) -> AppResult<()> {
    app.unit(async |app| {
        let (user, grant) = member(app, caller, Action::Update, id).await?;
        if !enabled && user.id == caller.user.id {
            return Err(invalid(&["自分自身を無効にすることはできません"]));
        }
        app.store.set_disabled(user.id, !enabled).await?;
        let what = if enabled { "enable" } else { "disable" };
        record(app, caller, &grant, AuditAction::Update, id, what).await
    })
    .await
}

/// Resets a member of staff's password to `typed` or, when empty, to a one-time password
/// (answered, to be shown once); their sessions end and any lockout is lifted.
pub async fn reset_password(
    app: &App,
    caller: &Caller,
    id: UserId,
    typed: &str,
) -> AppResult<Option<String>> {
    app.unit(async |app| {
        let (user, grant) = member(app, caller, Action::Update, id).await?;
        let choice =
            PasswordChoice::of(typed).map_err(|e| invalid(&[format!("新しいパスワード: {e}")]))?;
        let hash = choice.password.hash().map_err(|_| AppError::Internal)?;
        app.store.set_password(user.id, &hash).await?;
        record(
            app,
            caller,
            &grant,
            AuditAction::Update,
            id,
            "password_reset",
        )
        .await?;
        Ok(choice.generated)
    })
    .await
}

/// Revokes token `token_id` of member of staff `id`; 409 when it is not one of theirs
/// that is still live.
pub async fn revoke_token(app: &App, caller: &Caller, id: UserId, token_id: i64) -> AppResult<()> {
    app.unit(async |app| {
        let (user, grant) = member(app, caller, Action::Update, id).await?;
        app.store
            .revoke_token(user.id, token_id)
            .await
            .map_err(already(
                "そのトークンはこの職員の有効なトークンではありません(失効済みか、番号が違います)",
            ))?;
        let what = format!("token_revoke {token_id}");
        record(app, caller, &grant, AuditAction::Update, id, &what).await
    })
    .await
}
