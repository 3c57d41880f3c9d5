//! Admission: overload answered at once. At most as many requests run as the store has
//! connections; a bounded number more wait their turn, each for a short while; any
//! further one is answered 503 with `Retry-After` straight away. Without it a request
//! waited for a connection until the pool gave up (10 s) — every client slowed down
//! together and was then refused anyway.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::http::error::AppError;

/// How many requests may wait for a turn, beyond those running.
const QUEUE: usize = 256;

/// How long a waiting request waits for its turn before it is answered busy.
const WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct Admission {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
    wait: Duration,
}

impl Admission {
    /// Lets `running` requests run at once.
    pub fn new(running: usize) -> Admission {
        Admission::with_queue(running, QUEUE, WAIT)
    }

    fn with_queue(running: usize, queue: usize, wait: Duration) -> Admission {
        Admission {
            running: Arc::new(Semaphore::new(running.max(1))),
            waiting: Arc::default(),
            queue,
            wait,
        }
    }

    /// Runs `work` when its turn comes; `None` when the queue is full or the turn did not
    /// come in time.
    async fn admit<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let permit = match self.running.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let ahead = self.waiting.fetch_add(1, Ordering::AcqRel);
                let _leave = Leave(&self.waiting);
                if ahead >= self.queue {
                    return None;
                }
                tokio::time::timeout(self.wait, self.running.clone().acquire_owned())
                    .await
                    .ok()?
                    .ok()?
            }
        };
        let out = work.await;
        drop(permit);
        Some(out)
    }
}

/// Takes a waiting request off the count however its wait ends (also when its client
/// leaves and the request is dropped).
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The layer's function, answering busy as `E` (a Japanese page or problem+json).
pub async fn admit<E: From<AppError> + IntoResponse>(
    State(admission): State<Admission>,
    req: Request,
    next: Next,
) -> Response {
    match admission.admit(next.run(req)).await {
        Some(response) => response,
        None => E::from(AppError::Unavailable).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // On tokio's paused clock: "at once" is no time passing at all.
    #[tokio::test(start_paused = true)]
    async fn a_full_queue_is_refused_at_once_and_a_turn_not_given_in_time_too() {
        let admission = Admission::with_queue(1, 1, Duration::from_millis(50));
        let (hold, held) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn({
            let a = admission.clone();
            async move { a.admit(async { held.await.ok() }).await }
        });
        tokio::task::yield_now().await;
        while admission.running.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // One waits (and times out); the next finds the queue full and is refused at once.
        let waiter = tokio::spawn({
            let a = admission.clone();
            async move { a.admit(async { "ran" }).await }
        });
        while admission.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        let started = tokio::time::Instant::now();
        assert_eq!(admission.admit(async { "ran" }).await, None);
        assert_eq!(started.elapsed(), Duration::ZERO, "refused at once");
        assert_eq!(waiter.await.ok().flatten(), None, "its turn did not come");
        assert_eq!(admission.waiting.load(Ordering::Acquire), 0);

        // Once the running one is done, the next runs.
        let _ = hold.send(());
        assert!(running.await.ok().flatten().is_some());
        assert_eq!(admission.admit(async { "ran" }).await, Some("ran"));
    }
}
