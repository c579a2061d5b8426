//! Answers to signing attempts paced alike, so that the time an answer takes does not tell
//! whether an address had already signed. Every kind of attempt is answered at the same point
//! (after its batch's commit), but they do different work on the way: a new signature writes
//! rows (the signature, its tokens, its email, the count); a repeat that still gets a reminder
//! updates the signature and queues the reminder; a repeat past its reminders, or a bot caught
//! by the honeypot, writes little or nothing. Left alone, each kind would have a time of its
//! own.
//!
//! Timing answers apart needs a quiet service: under load, the wait for a batch's turn dwarfs
//! the difference. So:
//! - **Quiet** (few attempts in flight, as when someone probes one address at a time): every
//!   answer, whatever its kind, is held until it has taken as long as a target drawn from the
//!   slow end of recent attempts' own times (the upper fifth), so all kinds come back from one
//!   distribution of times. A supporter waits a millisecond or two more, unnoticed.
//! - **Busy**: a new signature or a reminder is answered at once (holding them would only
//!   lower the rate at which signatures are taken); an attempt that wrote nothing is held until
//!   it has taken as long as a recent attempt drawn at random, as it would otherwise come back
//!   the soonest of all.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// How many recent attempts' times are kept to draw from.
const SAMPLES: usize = 64;

/// At most this many attempts in flight (the one being answered included) is a quiet service.
pub const QUIET_AT_MOST: usize = 4;

pub struct AnswerPacing {
    /// Microseconds each recent attempt took before any hold; 0 where no time is kept yet.
    recent_us: [AtomicU64; SAMPLES],
    next: AtomicUsize,
    /// Attempts being recorded or answered right now.
    in_flight: AtomicUsize,
}

impl Default for AnswerPacing {
    fn default() -> Self {
        Self {
            recent_us: std::array::from_fn(|_| AtomicU64::new(0)),
            next: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }
}

/// Whether an attempt wrote what a signature or a reminder writes, or (almost) nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Written,
    Nothing,
}

/// An attempt in flight, counted until it is dropped.
pub struct InFlight<'a>(&'a AnswerPacing);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

impl AnswerPacing {
    /// Counts an attempt as in flight until the guard is dropped.
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(self)
    }

    /// How much longer an attempt that has taken `took` so far, doing `work`, is held before
    /// it is answered. The times of attempts that wrote are kept to draw from (those of
    /// attempts that wrote nothing would only pull the draws towards the quickest).
    pub fn hold(&self, work: Work, took: Duration) -> Duration {
        let quiet = self.in_flight.load(Relaxed) <= QUIET_AT_MOST;
        let target = match (quiet, work) {
            (true, _) => self.draw(SAMPLES * 4 / 5),
            (false, Work::Written) => None,
            (false, Work::Nothing) => self.draw(0),
        };
        if work == Work::Written {
            self.took(took);
        }
        target.map_or(Duration::ZERO, |target| target.saturating_sub(took))
    }

    fn took(&self, took: Duration) {
        let slot = self.next.fetch_add(1, Relaxed) % SAMPLES;
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.recent_us[slot].store(micros, Relaxed);
    }

    /// A time drawn at random from the recent ones, from the `skip`-th fastest of the full
    /// ring up; `None` before any time is kept.
    fn draw(&self, skip: usize) -> Option<Duration> {
        let kept = self.next.load(Relaxed).min(SAMPLES);
        if kept == 0 {
            return None;
        }
        let mut times: Vec<u64> = self.recent_us[..kept]
            .iter()
            .map(|t| t.load(Relaxed))
            .collect();
        times.sort_unstable();
        // Scaled to what is kept, so that a young ring still draws from its slow end.
        let from = (skip * kept / SAMPLES).min(kept - 1);
        let drawn = times[rand::Rng::random_range(&mut rand::rng(), from..kept)];
        Some(Duration::from_micros(drawn))
    }
}

/// Waits out a hold to within a fraction of a millisecond. The runtime's timer counts whole
/// milliseconds and wakes up to two late, which held answers alone would carry: so the last
/// few milliseconds are slept on a blocking thread, whose sleep is exact to tens of
/// microseconds.
pub async fn wait(hold: Duration) {
    const TIMER_SLACK: Duration = Duration::from_millis(3);
    if hold.is_zero() {
        return;
    }
    let until = std::time::Instant::now() + hold;
    if hold > TIMER_SLACK {
        tokio::time::sleep(hold - TIMER_SLACK).await;
    }
    let rest = until.saturating_duration_since(std::time::Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nothing_is_held_before_any_time_is_kept() {
        let pacing = AnswerPacing::default();
        let _one = pacing.start();
        assert_eq!(pacing.hold(Work::Nothing, Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn on_a_quiet_service_every_kind_is_held_to_the_slow_end_of_recent_times() {
        let pacing = AnswerPacing::default();
        let _one = pacing.start();
        for millis in 1..=10 {
            pacing.took(ms(millis));
        }
        // The upper fifth of ten kept times: 8 to 10 ms, for writers and non-writers alike.
        let held: std::collections::HashSet<_> = (0..300)
            .map(|_| (pacing.hold(Work::Nothing, ms(1)) + ms(1)).as_millis())
            .collect();
        assert_eq!(held, [8, 9, 10].into_iter().collect());
        let written = pacing.hold(Work::Written, ms(1)) + ms(1);
        assert!(written >= ms(8) && written <= ms(10), "{written:?}");
        // One that already took longer is not held.
        assert_eq!(pacing.hold(Work::Written, ms(50)), Duration::ZERO);
    }

    #[test]
    fn on_a_busy_service_only_attempts_that_wrote_nothing_are_held() {
        let pacing = AnswerPacing::default();
        let _busy: Vec<_> = (0..=QUIET_AT_MOST).map(|_| pacing.start()).collect();
        for millis in [10, 20, 30] {
            pacing.took(ms(millis));
        }
        let held: std::collections::HashSet<_> = (0..500)
            .map(|_| pacing.hold(Work::Nothing, Duration::ZERO).as_millis())
            .collect();
        assert_eq!(held, [10, 20, 30].into_iter().collect());
        assert_eq!(pacing.hold(Work::Written, ms(1)), Duration::ZERO);
    }

    #[test]
    fn the_count_in_flight_follows_the_guards() {
        let pacing = AnswerPacing::default();
        let a = pacing.start();
        let b = pacing.start();
        assert_eq!(pacing.in_flight.load(Relaxed), 2);
        drop(a);
        drop(b);
        assert_eq!(pacing.in_flight.load(Relaxed), 0);
    }
}
