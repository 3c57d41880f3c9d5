//! The audit trail's rules: what is recorded, and the keyed hash chain that makes a
//! changed or deleted entry detectable. Storage appends and reads; this module decides.
//!
//! Every entry's hash is an HMAC-SHA256 under an [`AuditKey`] kept outside the database,
//! so whoever can write the database but not read the key can neither recompute a chain
//! after an edit nor forge a chain head. What the key alone cannot catch — a tail cut off
//! at an earlier genuine head, a whole chain deleted with its head — a [`Checkpoint`] the
//! operator keeps outside the database does.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What each MAC is over, so that no entry hash can pass as a head's or a checkpoint's.
const ENTRY_PURPOSE: &[u8] = b"kasane audit entry v1";
const HEAD_PURPOSE: &[u8] = b"kasane audit head v1";
const CHECKPOINT_PURPOSE: &[u8] = b"kasane audit checkpoint v1";

/// The secret that keys the audit chain: 32 bytes, written as 64 hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; AuditKey::LEN]);

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("監査ログの鍵は16進数64桁で指定してください")]
pub struct AuditKeyError;

impl AuditKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; AuditKey::LEN]) -> AuditKey {
        AuditKey(bytes)
    }

    /// 64 hex digits; surrounding whitespace (a key file's newline) is ignored.
    pub fn parse_hex(s: &str) -> Result<AuditKey, AuditKeyError> {
        let mut bytes = [0u8; AuditKey::LEN];
        hex::decode_to_slice(s.trim(), &mut bytes).map_err(|_| AuditKeyError)?;
        Ok(AuditKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn mac(&self, purpose: &[u8]) -> HmacSha256 {
        // HMAC zero-pads a key shorter than SHA-256's 64-byte block: padding it here is
        // the same MAC, and a fixed-size key makes construction infallible.
        let mut block = [0u8; 64];
        block[..AuditKey::LEN].copy_from_slice(&self.0);
        let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new(&block.into());
        mac.update(purpose);
        mac
    }
}

/// Never prints the key.
impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// Feeds length-prefixed fields, so that no two different field lists serialise alike.
fn feed(mac: &mut HmacSha256, fields: &[&str]) {
    for f in fields {
        mac.update(&(f.len() as u64).to_be_bytes());
        mac.update(f.as_bytes());
    }
}

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
    /// The keyed hash over every field but `hash` itself.
    pub fn compute_hash(&self, key: &AuditKey) -> String {
        let mut h = key.mac(ENTRY_PURPOSE);
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
        h.update(&self.chain_id.to_be_bytes());
        h.update(&self.seq.to_be_bytes());
        feed(&mut h, &fields);
        hex::encode(h.finalize().into_bytes())
    }
}

/// A chain's head: its last sequence number and that entry's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub chain_id: i64,
    pub seq: i64,
    pub hash: String,
}

impl ChainHead {
    /// The MAC the store keeps beside the head, so that a head rewritten to match a
    /// shortened chain does not verify.
    pub fn mac(&self, key: &AuditKey) -> String {
        let mut m = key.mac(HEAD_PURPOSE);
        m.update(&self.chain_id.to_be_bytes());
        m.update(&self.seq.to_be_bytes());
        feed(&mut m, &[&self.hash]);
        hex::encode(m.finalize().into_bytes())
    }
}

/// What the chain head table holds for one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHead {
    pub head: ChainHead,
    pub mac: String,
}

/// Every chain's head at one moment, signed with the audit key, for the operator to keep
/// outside the database (`kasane audit checkpoint`): a later verify against it notices a
/// chain that got shorter, disappeared or was rewritten up to that point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub created_at: DateTime<Utc>,
    pub heads: Vec<ChainHead>,
    pub mac: String,
}

/// Why a checkpoint file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("チェックポイントの形式が正しくありません: {0}")]
    Malformed(String),
    #[error("チェックポイントの署名が一致しません(鍵が違うか、ファイルが書き換えられています)")]
    BadSignature,
}

impl Checkpoint {
    /// Signs the heads (sorted by chain, so that the MAC does not depend on their order).
    pub fn seal(key: &AuditKey, created_at: DateTime<Utc>, mut heads: Vec<ChainHead>) -> Self {
        heads.sort_by_key(|h| h.chain_id);
        let mac = Checkpoint::mac_of(key, created_at, &heads);
        Checkpoint {
            created_at,
            heads,
            mac,
        }
    }

    fn mac_of(key: &AuditKey, created_at: DateTime<Utc>, heads: &[ChainHead]) -> String {
        let mut m = key.mac(CHECKPOINT_PURPOSE);
        feed(
            &mut m,
            &[&created_at.to_rfc3339_opts(SecondsFormat::Micros, true)],
        );
        m.update(&(heads.len() as u64).to_be_bytes());
        for h in heads {
            m.update(&h.chain_id.to_be_bytes());
            m.update(&h.seq.to_be_bytes());
            feed(&mut m, &[&h.hash]);
        }
        hex::encode(m.finalize().into_bytes())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a checkpoint file and checks its signature.
    pub fn open(key: &AuditKey, text: &str) -> Result<Checkpoint, CheckpointError> {
        let c: Checkpoint =
            serde_json::from_str(text).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let mut sorted = c.heads.clone();
        sorted.sort_by_key(|h| h.chain_id);
        if sorted != c.heads || Checkpoint::mac_of(key, c.created_at, &c.heads) != c.mac {
            return Err(CheckpointError::BadSignature);
        }
        Ok(c)
    }

    /// The checkpoint's head of `chain_id`, if it had that chain.
    pub fn head(&self, chain_id: i64) -> Option<&ChainHead> {
        self.heads.iter().find(|h| h.chain_id == chain_id)
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
    #[error("監査ログ(系列{chain_id})の先頭記録が改ざんされています(署名不一致)")]
    HeadForged { chain_id: i64 },
    #[error(
        "監査ログ(系列{chain_id})がチェックポイントの時点より短くなっています(チェックポイントでは{checkpoint_seq}件、実際は{found}件)"
    )]
    Truncated {
        chain_id: i64,
        checkpoint_seq: i64,
        found: i64,
    },
    #[error("監査ログ(系列{chain_id})の{seq}番目がチェックポイントの記録と一致しません")]
    Rewritten { chain_id: i64, seq: i64 },
}

/// Incremental verifier: feed a chain's entries in `seq` order, then `finish` with the
/// head the store recorded. Streaming keeps memory flat on a long log.
#[derive(Debug)]
pub struct ChainVerifier<'k> {
    chain_id: i64,
    key: &'k AuditKey,
    /// The checkpoint's head of this chain: the entry at its seq must carry its hash.
    anchor: Option<ChainHead>,
    next_seq: i64,
    prev_hash: String,
}

impl<'k> ChainVerifier<'k> {
    pub fn new(chain_id: i64, key: &'k AuditKey, checkpoint: Option<&Checkpoint>) -> Self {
        ChainVerifier {
            chain_id,
            key,
            anchor: checkpoint.and_then(|c| c.head(chain_id)).cloned(),
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
        if entry.chain_id != self.chain_id
            || entry.prev_hash != self.prev_hash
            || entry.compute_hash(self.key) != entry.hash
        {
            return Err(ChainBreak::Altered {
                chain_id: self.chain_id,
                seq: entry.seq,
            });
        }
        if let Some(anchor) = &self.anchor
            && anchor.seq == entry.seq
            && anchor.hash != entry.hash
        {
            return Err(ChainBreak::Rewritten {
                chain_id: self.chain_id,
                seq: entry.seq,
            });
        }
        self.prev_hash.clone_from(&entry.hash);
        self.next_seq += 1;
        Ok(())
    }

    /// Checks the end of the chain against the head the store recorded (none when the
    /// chain has no head row) and against the checkpoint.
    pub fn finish(self, stored: Option<&StoredHead>) -> Result<i64, ChainBreak> {
        let chain_id = self.chain_id;
        let found = self.next_seq - 1;
        match stored {
            Some(s) => {
                if found != s.head.seq {
                    return Err(ChainBreak::TailDeleted {
                        chain_id,
                        recorded: s.head.seq,
                        found,
                    });
                }
                if s.head.hash != self.prev_hash {
                    return Err(ChainBreak::Altered {
                        chain_id,
                        seq: found,
                    });
                }
                if s.head.chain_id != chain_id || s.head.mac(self.key) != s.mac {
                    return Err(ChainBreak::HeadForged { chain_id });
                }
            }
            // Entries without a head: the head row was deleted.
            None if found > 0 => return Err(ChainBreak::HeadForged { chain_id }),
            None => {}
        }
        if let Some(anchor) = &self.anchor
            && found < anchor.seq
        {
            return Err(ChainBreak::Truncated {
                chain_id,
                checkpoint_seq: anchor.seq,
                found,
            });
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AuditKey {
        AuditKey::from_bytes([7; AuditKey::LEN])
    }

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
                e.hash = e.compute_hash(&key());
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head_of(entries: &[AuditEntry], k: &AuditKey) -> StoredHead {
        let head = ChainHead {
            chain_id: 1,
            seq: entries.len() as i64,
            hash: entries
                .last()
                .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone()),
        };
        StoredHead {
            mac: head.mac(k),
            head,
        }
    }

    fn verify_with(
        entries: &[AuditEntry],
        head: Option<&StoredHead>,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<i64, ChainBreak> {
        let k = key();
        let mut v = ChainVerifier::new(1, &k, checkpoint);
        for e in entries {
            v.push(e)?;
        }
        v.finish(head)
    }

    fn verify(entries: &[AuditEntry], head: &StoredHead) -> Result<i64, ChainBreak> {
        verify_with(entries, Some(head), None)
    }

    #[test]
    fn untouched_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, &head_of(&c, &key())), Ok(5));
        assert_eq!(verify_with(&[], None, None), Ok(0));
    }

    #[test]
    fn edited_field_is_detected() {
        let mut c = chain(5);
        let head = head_of(&c, &key());
        c[2].object_id = "999".into();
        assert_eq!(
            verify(&c, &head),
            Err(ChainBreak::Altered {
                chain_id: 1,
                seq: 3
            })
        );
    }

    /// Every field but the hash itself is under the MAC: changing any one breaks the chain.
    #[test]
    fn every_field_is_under_the_mac() {
        type Edit = fn(&mut AuditEntry);
        let edits: [(&str, Edit); 13] = [
            ("chain_id", |e| e.chain_id = 2),
            ("seq", |e| e.seq += 10),
            ("occurred_at", |e| {
                e.occurred_at += chrono::Duration::microseconds(1)
            }),
            ("municipality_id", |e| e.municipality_id = Some(2)),
            ("municipality_id none", |e| e.municipality_id = None),
            ("user_id", |e| e.user_id = Some(8)),
            ("username", |e| e.username.push('x')),
            ("action", |e| e.action = "update".into()),
            ("object_type", |e| e.object_type = "case".into()),
            ("object_id", |e| e.object_id.push('0')),
            ("basis", |e| e.basis = String::new()),
            ("reason", |e| e.reason = "x".into()),
            ("request_id", |e| e.request_id.push('x')),
        ];
        let original = chain(1).remove(0);
        for (field, edit) in edits {
            let mut e = original.clone();
            edit(&mut e);
            assert_ne!(e.compute_hash(&key()), e.hash, "{field} is not hashed");
        }
        let mut e = original.clone();
        e.prev_hash = "1".repeat(64);
        assert_ne!(e.compute_hash(&key()), e.hash, "prev_hash is not hashed");
    }

    /// An unkeyed recomputation — what an attacker without the key can do — does not
    /// verify, nor does one under another key.
    #[test]
    fn a_chain_rehashed_without_the_key_fails() {
        let other = AuditKey::from_bytes([8; AuditKey::LEN]);
        let mut c = chain(3);
        c[1].reason = "changed".into();
        let mut prev = c[0].hash.clone();
        for e in &mut c[1..] {
            e.prev_hash = prev;
            e.hash = e.compute_hash(&other);
            prev = e.hash.clone();
        }
        let head = head_of(&c, &other);
        assert_eq!(
            verify(&c, &head),
            Err(ChainBreak::Altered {
                chain_id: 1,
                seq: 2
            })
        );
    }

    #[test]
    fn rehashed_edit_breaks_the_next_link() {
        let mut c = chain(5);
        let head = head_of(&c, &key());
        c[2].reason = "changed".into();
        c[2].hash = c[2].compute_hash(&key());
        assert_eq!(
            verify(&c, &head),
            Err(ChainBreak::Altered {
                chain_id: 1,
                seq: 4
            })
        );
    }

    #[test]
    fn deleted_middle_and_tail_are_detected() {
        let mut c = chain(5);
        let head = head_of(&c, &key());
        c.remove(1);
        assert_eq!(
            verify(&c, &head),
            Err(ChainBreak::Missing {
                chain_id: 1,
                expected: 2
            })
        );
        let mut c = chain(5);
        c.pop();
        assert!(matches!(
            verify(&c, &head),
            Err(ChainBreak::TailDeleted {
                recorded: 5,
                found: 4,
                ..
            })
        ));
    }

    /// The tail cut and the head set to the new last entry: the head's MAC no longer
    /// matches; and with the head's MAC replayed from that earlier moment, only a
    /// checkpoint taken after it notices.
    #[test]
    fn a_shortened_chain_with_its_head_fixed_is_detected() {
        let c = chain(5);
        let forged = StoredHead {
            head: ChainHead {
                chain_id: 1,
                seq: 3,
                hash: c[2].hash.clone(),
            },
            mac: head_of(&c, &key()).mac,
        };
        assert_eq!(
            verify(&c[..3], &forged),
            Err(ChainBreak::HeadForged { chain_id: 1 })
        );
        let replayed = head_of(&c[..3], &key());
        assert_eq!(verify(&c[..3], &replayed), Ok(3));
        let checkpoint =
            Checkpoint::seal(&key(), Utc::now(), vec![head_of(&c, &key()).head.clone()]);
        assert_eq!(
            verify_with(&c[..3], Some(&replayed), Some(&checkpoint)),
            Err(ChainBreak::Truncated {
                chain_id: 1,
                checkpoint_seq: 5,
                found: 3
            })
        );
        // A chain deleted with its head.
        assert_eq!(
            verify_with(&[], None, Some(&checkpoint)),
            Err(ChainBreak::Truncated {
                chain_id: 1,
                checkpoint_seq: 5,
                found: 0
            })
        );
        // Entries whose head row was deleted.
        assert_eq!(
            verify_with(&c, None, None),
            Err(ChainBreak::HeadForged { chain_id: 1 })
        );
    }

    /// A chain rebuilt from scratch with the key (an insider) still differs from the
    /// checkpoint at the checkpoint's seq.
    #[test]
    fn a_chain_rebuilt_with_the_key_differs_from_the_checkpoint() {
        let c = chain(3);
        let checkpoint = Checkpoint::seal(&key(), Utc::now(), vec![head_of(&c, &key()).head]);
        let mut rebuilt = chain(4);
        rebuilt[2].reason = "rewritten".into();
        let mut prev = rebuilt[1].hash.clone();
        for e in &mut rebuilt[2..] {
            e.prev_hash = prev;
            e.hash = e.compute_hash(&key());
            prev = e.hash.clone();
        }
        let head = head_of(&rebuilt, &key());
        assert_eq!(verify(&rebuilt, &head), Ok(4));
        assert_eq!(
            verify_with(&rebuilt, Some(&head), Some(&checkpoint)),
            Err(ChainBreak::Rewritten {
                chain_id: 1,
                seq: 3
            })
        );
        assert_eq!(
            verify_with(&c, Some(&head_of(&c, &key())), Some(&checkpoint)),
            Ok(3)
        );
    }

    #[test]
    fn a_checkpoint_round_trips_and_refuses_tampering() {
        let heads = vec![
            ChainHead {
                chain_id: 2,
                seq: 9,
                hash: "b".repeat(64),
            },
            ChainHead {
                chain_id: 0,
                seq: 4,
                hash: "a".repeat(64),
            },
        ];
        let c = Checkpoint::seal(&key(), Utc::now(), heads);
        assert_eq!(c.heads[0].chain_id, 0, "sorted by chain");
        let text = c.to_json();
        assert_eq!(Checkpoint::open(&key(), &text), Ok(c.clone()));
        let other = AuditKey::from_bytes([9; AuditKey::LEN]);
        assert_eq!(
            Checkpoint::open(&other, &text),
            Err(CheckpointError::BadSignature)
        );
        let lowered = text.replace("\"seq\": 9", "\"seq\": 2");
        assert_ne!(lowered, text);
        assert_eq!(
            Checkpoint::open(&key(), &lowered),
            Err(CheckpointError::BadSignature)
        );
        assert!(matches!(
            Checkpoint::open(&key(), "{"),
            Err(CheckpointError::Malformed(_))
        ));
    }

    #[test]
    fn keys_parse_from_hex_and_never_print() {
        let k = AuditKey::from_bytes([0xab; AuditKey::LEN]);
        assert_eq!(
            AuditKey::parse_hex(&format!("{}\n", k.to_hex())),
            Ok(k.clone())
        );
        assert_eq!(AuditKey::parse_hex("abc"), Err(AuditKeyError));
        assert_eq!(AuditKey::parse_hex(&"zz".repeat(32)), Err(AuditKeyError));
        assert!(!format!("{k:?}").contains("ab"));
        // A placeholder, not nothing: a config printed with {:?} still shows a key is set.
        assert_eq!(format!("{k:?}"), "AuditKey(..)");
    }

    #[test]
    fn action_codes_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(a.code().parse::<AuditAction>(), Ok(a));
        }
    }

    /// The code is what every stored entry says, so old entries must keep parsing; the
    /// label is what the audit page shows. Pinned, so that renaming either is a visible
    /// change, and `Display` writes the stored code, never the label.
    #[test]
    fn actions_store_their_code_and_show_their_label() {
        let table = [
            (AuditAction::View, "view", "閲覧"),
            (AuditAction::Create, "create", "作成"),
            (AuditAction::Update, "update", "更新"),
            (AuditAction::Delete, "delete", "削除"),
            (AuditAction::Export, "export", "出力"),
            (AuditAction::Login, "login", "ログイン"),
            (AuditAction::LoginFailed, "login_failed", "ログイン失敗"),
            (AuditAction::Logout, "logout", "ログアウト"),
            (AuditAction::Denied, "denied", "拒否"),
        ];
        assert_eq!(
            table.map(|(a, _, _)| a),
            AuditAction::ALL,
            "every action, once"
        );
        for (a, code, label) in table {
            assert_eq!(a.code(), code);
            assert_eq!(a.to_string(), code, "{a:?} displays as its code");
            assert_eq!(a.label(), label);
        }
    }
}
