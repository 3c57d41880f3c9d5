//! The closed loop: `concurrency` clients, each sending its next request as soon as the
//! last one is answered, for a fixed time after a warm-up. Only expected answers count as
//! done (their latency in the histogram, their number in the throughput); every other
//! status or failure is counted by name, so a fast 503 never passes for a fast success.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hdrhistogram::Histogram;
use tokio::task::JoinSet;

/// What one operation came to.
pub enum Outcome {
    /// The expected answer.
    Done,
    /// Any other answer: its status, or what failed.
    Unexpected(String),
}

pub type OpFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
/// One request (or floor query), repeatable.
pub type Op = Arc<dyn Fn() -> OpFuture + Send + Sync>;

pub fn op<F, Fut>(f: F) -> Op
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

/// The result of one cell (one operation at one concurrency).
pub struct Cell {
    pub concurrency: usize,
    /// Latencies of the expected answers, in microseconds.
    pub hist: Histogram<u64>,
    pub done: u64,
    /// Unexpected answers by status or error.
    pub unexpected: BTreeMap<String, u64>,
    pub secs: f64,
}

impl Cell {
    pub fn rps(&self) -> f64 {
        if self.secs > 0.0 {
            self.done as f64 / self.secs
        } else {
            0.0
        }
    }

    /// The latency at `q` (0..1) in milliseconds; `None` if nothing succeeded.
    pub fn ms(&self, q: f64) -> Option<f64> {
        (self.done > 0).then(|| self.hist.value_at_quantile(q) as f64 / 1000.0)
    }
}

impl Cell {
    /// One operation, timed: what is recorded of an operation too slow to repeat.
    pub fn single(elapsed: Duration, outcome: Outcome) -> Result<Cell> {
        let mut cell = Cell {
            concurrency: 1,
            hist: histogram()?,
            done: 0,
            unexpected: BTreeMap::new(),
            secs: elapsed.as_secs_f64(),
        };
        match outcome {
            Outcome::Done => {
                let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
                cell.hist.saturating_record(us.max(1));
                cell.done = 1;
            }
            Outcome::Unexpected(what) => {
                cell.unexpected.insert(what, 1);
            }
        }
        Ok(cell)
    }
}

fn histogram() -> Result<Histogram<u64>> {
    // 1 µs to 10 min, 3 significant figures.
    Histogram::new_with_bounds(1, 600_000_000, 3).map_err(|e| anyhow!("histogram: {e:?}"))
}

/// Warms up for `warmup`, then measures `duration` at `concurrency`.
pub async fn closed_loop(
    op: &Op,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<Cell> {
    if !warmup.is_zero() {
        run(op, concurrency, warmup).await?;
    }
    run(op, concurrency, duration).await
}

async fn run(op: &Op, concurrency: usize, duration: Duration) -> Result<Cell> {
    let start = Instant::now();
    let end = start + duration;
    let mut clients = JoinSet::new();
    for _ in 0..concurrency {
        let op = op.clone();
        clients.spawn(async move {
            let mut hist = histogram()?;
            let mut done = 0u64;
            let mut unexpected: BTreeMap<String, u64> = BTreeMap::new();
            while Instant::now() < end {
                let t = Instant::now();
                match op().await {
                    Outcome::Done => {
                        let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                        hist.saturating_record(us.max(1));
                        done += 1;
                    }
                    Outcome::Unexpected(what) => *unexpected.entry(what).or_default() += 1,
                }
            }
            Ok::<_, anyhow::Error>((hist, done, unexpected))
        });
    }
    let mut cell = Cell {
        concurrency,
        hist: histogram()?,
        done: 0,
        unexpected: BTreeMap::new(),
        secs: 0.0,
    };
    while let Some(joined) = clients.join_next().await {
        let (hist, done, unexpected) = joined??;
        cell.hist
            .add(&hist)
            .map_err(|e| anyhow!("histogram: {e:?}"))?;
        cell.done += done;
        for (what, n) in unexpected {
            *cell.unexpected.entry(what).or_default() += n;
        }
    }
    // Until the last answer came, not the nominal duration: a slow tail is counted.
    cell.secs = start.elapsed().as_secs_f64();
    Ok(cell)
}
