//! Who is acting: users, their roles, and the newtypes that refuse bad input.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Database id of a municipality (the tenant key).
pub type MunicipalityId = i64;
/// Database id of an agency (相談支援機関).
pub type AgencyId = i64;
/// Database id of a user.
pub type UserId = i64;

/// A role a user holds. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Configuration and users; no personal data.
    Admin,
    /// 相談支援包括化推進員 / 多機関協働.
    Coordinator,
    /// 相談員 of an agency.
    Staff,
    /// 地域づくり; no personal data unless also `staff`.
    CommunityWorker,
    /// Reads the audit log, never the contents.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Staff,
        Role::CommunityWorker,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Staff => "staff",
            Role::CommunityWorker => "community_worker",
            Role::Auditor => "auditor",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "システム管理者",
            Role::Coordinator => "相談支援包括化推進員",
            Role::Staff => "相談員",
            Role::CommunityWorker => "地域づくり担当",
            Role::Auditor => "監査担当",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不明な役割です: {0}(admin, coordinator, staff, community_worker, auditor のいずれか)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// A non-empty set of roles, stored as a comma-separated list of codes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Roles(roles.into_iter().collect())
    }
    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The roles, refused when there is none: every account holds at least one.
    pub fn required(self) -> Result<Roles, IdentityError> {
        if self.is_empty() {
            Err(IdentityError::NoRole)
        } else {
            Ok(self)
        }
    }
    /// The storage form: `staff,coordinator`.
    pub fn to_codes(&self) -> String {
        self.iter().map(Role::code).collect::<Vec<_>>().join(",")
    }
}

impl FromStr for Roles {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Role::from_str)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Roles)
    }
}

/// The acting user, as the access rule sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: UserId,
    pub municipality_id: MunicipalityId,
    pub agency_id: AgencyId,
    pub roles: Roles,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.has(role)
    }
}

/// A login name: 3–64 characters of ASCII letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("ユーザー名は3〜64文字の半角英数字と . _ - で入力してください")]
    BadUsername,
    #[error("パスワードは12文字以上で入力してください")]
    PasswordTooShort,
    #[error("表示名を入力してください(100文字以内)")]
    BadDisplayName,
    #[error("役割を1つ以上選んでください")]
    NoRole,
    #[error("パスワードの処理に失敗しました")]
    Hashing,
}

impl Username {
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let s = s.trim();
        let ok = (3..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(Username(s.to_ascii_lowercase()))
        } else {
            Err(IdentityError::BadUsername)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = IdentityError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Username::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person-facing name of a user (職員の表示名).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 100 {
            return Err(IdentityError::BadDisplayName);
        }
        Ok(DisplayName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password, checked for length before it is hashed.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        if s.chars().count() < Self::MIN_CHARS {
            return Err(IdentityError::PasswordTooShort);
        }
        Ok(NewPassword(s.to_string()))
    }

    /// A one-time initial password (shown once, to be handed over and changed): 20
    /// characters from 80 random bits, with the text to show.
    pub fn generate() -> (NewPassword, String) {
        use argon2::password_hash::rand_core::RngCore;
        let mut bytes = [0u8; 10];
        rand_core::OsRng.fill_bytes(&mut bytes);
        let text = hex::encode(bytes);
        (NewPassword(text.clone()), text)
    }

    /// The argon2id PHC string to store.
    pub fn hash(&self) -> Result<String, IdentityError> {
        let salt = SaltString::generate(&mut rand_core::OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| IdentityError::Hashing)
    }
}

/// Checks a password against a stored argon2id PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Consecutive failed logins after which an account is locked for [`LOCKOUT_MINUTES`].
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

/// The lockout a failed login at `now` brings about once the count reaches
/// [`MAX_FAILED_LOGINS`]. Throttling per account stops online guessing without letting a
/// stranger lock a worker out for more than a short while. The store counts and locks in
/// one statement (a count read, changed and written back loses concurrent failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub after_failures: i32,
    pub until: chrono::DateTime<chrono::Utc>,
}

impl Lockout {
    pub fn at(now: chrono::DateTime<chrono::Utc>) -> Lockout {
        Lockout {
            after_failures: MAX_FAILED_LOGINS,
            until: now + chrono::TimeDelta::minutes(LOCKOUT_MINUTES),
        }
    }
}

/// The hash under which a high-entropy secret (session id, access token) is stored:
/// the database never holds a usable secret.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_codes() {
        let roles: Roles = "staff, coordinator".parse().unwrap();
        assert!(roles.has(Role::Staff) && roles.has(Role::Coordinator));
        assert_eq!(roles.to_codes(), "coordinator,staff");
        assert!("staff,boss".parse::<Roles>().is_err());
    }

    #[test]
    fn username_refuses_bad_input() {
        assert_eq!(
            Username::parse("Daisen.Sato").unwrap().as_str(),
            "daisen.sato"
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("佐藤").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    #[test]
    fn lockout_starts_at_the_fifth_failure_for_fifteen_minutes() {
        let now = chrono::DateTime::UNIX_EPOCH;
        let lockout = Lockout::at(now);
        assert_eq!(lockout.after_failures, 5);
        assert_eq!(lockout.until - now, chrono::TimeDelta::minutes(15));
    }

    #[test]
    fn generated_passwords_meet_the_policy_and_differ() {
        let (a, shown) = NewPassword::generate();
        assert!(NewPassword::parse(&shown).is_ok());
        assert_eq!(shown.chars().count(), 20);
        assert!(verify_password(&shown, &a.hash().unwrap()));
        assert_ne!(NewPassword::generate().1, shown);
        assert_eq!(Roles::default().required(), Err(IdentityError::NoRole));
        assert!(Roles::new([Role::Staff]).required().is_ok());
    }

    #[test]
    fn password_hash_verifies_and_rejects() {
        assert!(NewPassword::parse("short").is_err());
        let hash = NewPassword::parse("correct horse battery")
            .unwrap()
            .hash()
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }
}
