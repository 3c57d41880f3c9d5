//! The append-only audit log: one hash chain per municipality.

use chrono::{DateTime, Utc};
use kasane_domain::audit::{
    AuditAction, AuditEntry, ChainBreak, ChainHead, ChainVerifier, Checkpoint, GENESIS_HASH,
    StoredHead,
};
use kasane_domain::identity::{MunicipalityId, UserId};
use sqlx::Connection;

use crate::{Deferred, Store, StoreResult, on_pool, wall_clock};

/// What a caller records; the store adds time, sequence and hashes.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub municipality_id: Option<MunicipalityId>,
    pub user_id: Option<UserId>,
    pub username: &'a str,
    pub action: AuditAction,
    pub object_type: &'a str,
    pub object_id: &'a str,
    /// The access basis (`involvement`, `role:admin`, …) or empty.
    pub basis: &'a str,
    pub reason: &'a str,
    pub request_id: &'a str,
}

/// Which entries an auditor asks for. Always within one municipality.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub municipality_id: MunicipalityId,
    pub username: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    chain_id: i64,
    seq: i64,
    occurred_at: DateTime<Utc>,
    municipality_id: Option<i64>,
    user_id: Option<i64>,
    username: String,
    action: String,
    object_type: String,
    object_id: String,
    basis: String,
    reason: String,
    request_id: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            chain_id: r.chain_id,
            seq: r.seq,
            occurred_at: r.occurred_at,
            municipality_id: r.municipality_id,
            user_id: r.user_id,
            username: r.username,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            basis: r.basis,
            reason: r.reason,
            request_id: r.request_id,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

macro_rules! select_audit {
    () => {
        "SELECT chain_id, seq, occurred_at, municipality_id, user_id, username, action, \
         object_type, object_id, basis, reason, request_id, prev_hash, hash FROM audit_log "
    };
}

const VERIFY_PAGE: i64 = 1000;

impl Store {
    /// Appends one entry to its municipality's chain — in a read unit, when the unit
    /// commits (see [`Store::begin_read`]).
    pub async fn append_audit(&self, e: &NewAuditEntry<'_>) -> StoreResult<()> {
        let entry = || AuditEntry {
            chain_id: e.municipality_id.unwrap_or(0),
            seq: 0,
            occurred_at: wall_clock(),
            municipality_id: e.municipality_id,
            user_id: e.user_id,
            username: e.username.to_string(),
            action: e.action.code().to_string(),
            object_type: e.object_type.to_string(),
            object_id: e.object_id.to_string(),
            basis: e.basis.to_string(),
            reason: e.reason.to_string(),
            request_id: e.request_id.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        if self.defer(|| Deferred::Audit(Box::new(entry())))? {
            return Ok(());
        }
        self.append_entry(entry()).await
    }

    /// Chains `entry` (its time taken now, so that time follows the sequence). The chain
    /// head's row lock (taken by the first UPDATE) serialises concurrent appends, on one
    /// node or many.
    pub(crate) async fn append_entry(&self, mut entry: AuditEntry) -> StoreResult<()> {
        let chain_id = entry.chain_id;
        entry.occurred_at = wall_clock();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO audit_chain (chain_id, last_seq, last_hash) VALUES ($1, 0, $2) \
                 ON CONFLICT (chain_id) DO NOTHING",
            )
            .bind(chain_id)
            .bind(GENESIS_HASH)
            .execute(&mut *tx)
            .await?;
            let (seq, prev_hash): (i64, String) = sqlx::query_as(
                "UPDATE audit_chain SET last_seq = last_seq + 1 WHERE chain_id = $1 \
                 RETURNING last_seq, last_hash",
            )
            .bind(chain_id)
            .fetch_one(&mut *tx)
            .await?;
            entry.seq = seq;
            entry.prev_hash = prev_hash;
            entry.hash = entry.compute_hash(&self.audit_key);
            let head_mac = ChainHead {
                chain_id,
                seq,
                hash: entry.hash.clone(),
            }
            .mac(&self.audit_key);
            sqlx::query(
                "INSERT INTO audit_log (chain_id, seq, occurred_at, municipality_id, user_id, \
                 username, action, object_type, object_id, basis, reason, request_id, \
                 prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13, $14)",
            )
            .bind(entry.chain_id)
            .bind(entry.seq)
            .bind(entry.occurred_at)
            .bind(entry.municipality_id)
            .bind(entry.user_id)
            .bind(&entry.username)
            .bind(&entry.action)
            .bind(&entry.object_type)
            .bind(&entry.object_id)
            .bind(&entry.basis)
            .bind(&entry.reason)
            .bind(&entry.request_id)
            .bind(&entry.prev_hash)
            .bind(&entry.hash)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE audit_chain SET last_hash = $2, last_mac = $3 WHERE chain_id = $1")
                .bind(chain_id)
                .bind(&entry.hash)
                .bind(&head_mac)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Entries matching `f`, newest first, and the total count for paging.
    pub async fn audit_entries(&self, f: &AuditFilter) -> StoreResult<(Vec<AuditEntry>, i64)> {
        const WHERE: &str = "WHERE municipality_id = $1 AND ($2 IS NULL OR username = $2) \
             AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR object_type = $4) \
             AND ($5 IS NULL OR object_id = $5) AND ($6 IS NULL OR occurred_at >= $6) \
             AND ($7 IS NULL OR occurred_at < $7) ";
        let list_sql = format!(
            "{}{WHERE}ORDER BY occurred_at DESC, seq DESC LIMIT $8 OFFSET $9",
            select_audit!()
        );
        let count_sql = format!("SELECT COUNT(*) FROM audit_log {WHERE}");
        macro_rules! bind_filter {
            ($q:expr) => {
                $q.bind(f.municipality_id)
                    .bind(&f.username)
                    .bind(&f.action)
                    .bind(&f.object_type)
                    .bind(&f.object_id)
                    .bind(f.from)
                    .bind(f.until)
            };
        }
        let (rows, total): (Vec<AuditRow>, (i64,)) = on_pool!(self, |p| {
            let rows = bind_filter!(sqlx::query_as(&list_sql))
                .bind(f.limit)
                .bind(f.offset)
                .fetch_all(&mut *p)
                .await?;
            let total = bind_filter!(sqlx::query_as(&count_sql))
                .fetch_one(&mut *p)
                .await?;
            (rows, total)
        });
        Ok((rows.into_iter().map(AuditEntry::from).collect(), total.0))
    }

    /// The operator's chain (outside any tenant: logins of unknown names, attempts on
    /// another municipality's objects), newest first.
    pub async fn operator_audit_entries(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = on_pool!(self, |p| sqlx::query_as(concat!(
            select_audit!(),
            "WHERE chain_id = 0 ORDER BY seq DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *p)
        .await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Every chain's head as recorded, read in one statement.
    async fn stored_heads(&self) -> StoreResult<Vec<StoredHead>> {
        let rows: Vec<(i64, i64, String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT chain_id, last_seq, last_hash, last_mac FROM audit_chain ORDER BY chain_id"
        )
        .fetch_all(&mut *p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(chain_id, seq, hash, mac)| StoredHead {
                head: ChainHead {
                    chain_id,
                    seq,
                    hash,
                },
                mac,
            })
            .collect())
    }

    /// A signed checkpoint of every chain's head now. Heads whose MAC does not verify are
    /// refused: a checkpoint must never vouch for a forged head.
    pub async fn audit_checkpoint(&self) -> StoreResult<Result<Checkpoint, ChainBreak>> {
        let mut heads = Vec::new();
        for s in self.stored_heads().await? {
            if s.head.mac(&self.audit_key) != s.mac {
                return Ok(Err(ChainBreak::HeadForged {
                    chain_id: s.head.chain_id,
                }));
            }
            heads.push(s.head);
        }
        Ok(Ok(Checkpoint::seal(&self.audit_key, wall_clock(), heads)))
    }

    /// Verifies every chain — those with a head, those with entries but no head, and those
    /// `checkpoint` had — and each against `checkpoint`; returns the number of entries
    /// checked, or the first break.
    pub async fn verify_audit(
        &self,
        checkpoint: Option<&Checkpoint>,
    ) -> StoreResult<Result<i64, ChainBreak>> {
        let stored = self.stored_heads().await?;
        let in_log: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT chain_id FROM audit_log \
             WHERE chain_id NOT IN (SELECT chain_id FROM audit_chain)"
        )
        .fetch_all(&mut *p)
        .await)?;
        let mut chains: Vec<i64> = stored.iter().map(|s| s.head.chain_id).collect();
        chains.extend(in_log.into_iter().map(|(c,)| c));
        chains.extend(
            checkpoint
                .iter()
                .flat_map(|c| c.heads.iter().map(|h| h.chain_id)),
        );
        chains.sort_unstable();
        chains.dedup();
        let mut total = 0;
        for chain_id in chains {
            let head = stored.iter().find(|s| s.head.chain_id == chain_id);
            // Up to the head read above: an entry appended since (with its new head) is
            // not a break, and is checked by the next verify.
            let until = head.map_or(i64::MAX, |h| h.head.seq);
            let mut verifier = ChainVerifier::new(chain_id, &self.audit_key, checkpoint);
            let mut after = 0i64;
            loop {
                let page: Vec<AuditRow> = on_pool!(self, |p| sqlx::query_as(concat!(
                    select_audit!(),
                    "WHERE chain_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4"
                ))
                .bind(chain_id)
                .bind(after)
                .bind(until)
                .bind(VERIFY_PAGE)
                .fetch_all(&mut *p)
                .await)?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for row in page {
                    if let Err(b) = verifier.push(&AuditEntry::from(row)) {
                        return Ok(Err(b));
                    }
                }
            }
            match verifier.finish(head) {
                Ok(n) => total += n,
                Err(b) => return Ok(Err(b)),
            }
        }
        Ok(Ok(total))
    }
}
