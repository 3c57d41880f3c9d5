//! The audit trail's rules: what is recorded, and the hash chain that makes a changed or
//! deleted entry detectable. Storage appends and reads; this module decides.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What happened. Reads of personal data are `View`, not only writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    View,
    Create,
    Update,
    Delete,
    Export,
    Login,
    LoginFailed,
    Logout,
    Denied,
}

impl AuditAction {
    pub const ALL: [AuditAction; 9] = [
        AuditAction::View,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::Export,
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::Denied,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::View => "view",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Export => "export",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::Denied => "denied",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::View => "閲覧",
            AuditAction::Create => "作成",
            AuditAction::Update => "更新",
            AuditAction::Delete => "削除",
            AuditAction::Export => "出力",
            AuditAction::Login => "ログイン",
            AuditAction::LoginFailed => "ログイン失敗",
            AuditAction::Logout => "ログアウト",
            AuditAction::Denied => "拒否",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for AuditAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.code() == s)
            .ok_or_else(|| format!("不明な操作種別です: {s}"))
    }
}

/// The hash that starts every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored. Holds identifiers only — never the personal data itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub chain_id: i64,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub municipality_id: Option<i64>,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub basis: String,
    pub reason: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash over every field but `hash` itself. Fields are length-prefixed so that no
    /// two different entries serialise alike.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let at = self
            .occurred_at
            .to_rfc3339_opts(SecondsFormat::Micros, true);
        let fields: [&str; 11] = [
            &self.prev_hash,
            &at,
            &self.username,
            &self.action,
            &self.object_type,
            &self.object_id,
            &self.basis,
            &self.reason,
            &self.request_id,
            &opt(self.municipality_id),
            &opt(self.user_id),
        ];
        h.update(self.chain_id.to_be_bytes());
        h.update(self.seq.to_be_bytes());
        for f in fields {
            h.update((f.len() as u64).to_be_bytes());
            h.update(f.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Why a chain failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("監査ログ(系列{chain_id})の{seq}番目が改ざんされています(ハッシュ不一致)")]
    Altered { chain_id: i64, seq: i64 },
    #[error("監査ログ(系列{chain_id})の{expected}番目が欠落しています")]
    Missing { chain_id: i64, expected: i64 },
    #[error(
        "監査ログ(系列{chain_id})の末尾が削除されています(記録上は{recorded}件、実際は{found}件)"
    )]
    TailDeleted {
        chain_id: i64,
        recorded: i64,
        found: i64,
    },
}

/// Incremental verifier: feed a chain's entries in `seq` order, then `finish` with the
/// head the store recorded. Streaming keeps memory flat on a long log.
#[derive(Debug)]
pub struct ChainVerifier {
    chain_id: i64,
    next_seq: i64,
    prev_hash: String,
}

impl ChainVerifier {
    pub fn new(chain_id: i64) -> Self {
        ChainVerifier {
            chain_id,
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }

    pub fn push(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.next_seq {
            return Err(ChainBreak::Missing {
                chain_id: self.chain_id,
                expected: self.next_seq,
            });
        }
        if entry.prev_hash != self.prev_hash || entry.compute_hash() != entry.hash {
            return Err(ChainBreak::Altered {
                chain_id: self.chain_id,
                seq: entry.seq,
            });
        }
        self.prev_hash.clone_from(&entry.hash);
        self.next_seq += 1;
        Ok(())
    }

    /// Checks the end of the chain against the recorded head (last seq and hash).
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let found = self.next_seq - 1;
        if found != head_seq {
            return Err(ChainBreak::TailDeleted {
                chain_id: self.chain_id,
                recorded: head_seq,
                found,
            });
        }
        if head_hash != self.prev_hash {
            return Err(ChainBreak::Altered {
                chain_id: self.chain_id,
                seq: found,
            });
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    chain_id: 1,
                    seq,
                    occurred_at: DateTime::from_timestamp(1_700_000_000 + seq, 0).unwrap(),
                    municipality_id: Some(1),
                    user_id: Some(7),
                    username: "daisen.staff".into(),
                    action: "view".into(),
                    object_type: "person".into(),
                    object_id: seq.to_string(),
                    basis: "involvement".into(),
                    reason: String::new(),
                    request_id: format!("req-{seq}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new(1);
        for e in entries {
            v.push(e)?;
        }
        v.finish(head_seq, head_hash)
    }

    #[test]
    fn untouched_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, 5, &c[4].hash), Ok(5));
        assert_eq!(verify(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn edited_field_is_detected() {
        let mut c = chain(5);
        c[2].object_id = "999".into();
        let head = c[4].hash.clone();
        assert_eq!(
            verify(&c, 5, &head),
            Err(ChainBreak::Altered {
                chain_id: 1,
                seq: 3
            })
        );
    }

    #[test]
    fn rehashed_edit_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].reason = "changed".into();
        c[2].hash = c[2].compute_hash();
        let head = c[4].hash.clone();
        assert_eq!(
            verify(&c, 5, &head),
            Err(ChainBreak::Altered {
                chain_id: 1,
                seq: 4
            })
        );
    }

    #[test]
    fn deleted_middle_and_tail_are_detected() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.remove(1);
        assert_eq!(
            verify(&c, 5, &head),
            Err(ChainBreak::Missing {
                chain_id: 1,
                expected: 2
            })
        );
        let mut c = chain(5);
        c.pop();
        assert!(matches!(
            verify(&c, 5, &head),
            Err(ChainBreak::TailDeleted {
                recorded: 5,
                found: 4,
                ..
            })
        ));
    }

    #[test]
    fn action_codes_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(a.code().parse::<AuditAction>(), Ok(a));
        }
    }
}
