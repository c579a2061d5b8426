//! Answers to signing attempts paced alike. A new signature writes rows (the signature, its
//! tokens, its email, the count); a repeat by an email that has already signed, past its
//! reminders, or a bot caught by the honeypot writes little or nothing, so even answered at the
//! same point (after its batch's commit) it would come back sooner, and the time taken would
//! tell whether an address had signed. So such an attempt is held until it has taken as long as
//! a new signature chosen at random from the recent ones: both kinds of answer then come from
//! one distribution of times. A repeat that queued a reminder wrote as much as a new signature
//! does and is not held (holding it too would answer it at the later of two such times, which
//! is later than either).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// How many recent new signatures' times are kept to draw from.
const SAMPLES: usize = 64;

pub struct AnswerPacing {
    /// Microseconds each recent new signature took to answer; 0 where no time is kept yet.
    recent_us: [AtomicU64; SAMPLES],
    next: AtomicUsize,
}

impl Default for AnswerPacing {
    fn default() -> Self {
        Self {
            recent_us: std::array::from_fn(|_| AtomicU64::new(0)),
            next: AtomicUsize::new(0),
        }
    }
}

impl AnswerPacing {
    /// Notes how long a new signature took, from its request to its answer.
    pub fn new_signature_took(&self, took: Duration) {
        let slot = self.next.fetch_add(1, Relaxed) % SAMPLES;
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.recent_us[slot].store(micros, Relaxed);
    }

    /// How much longer an attempt that recorded nothing new, having taken `took` so far, is
    /// held before it is answered.
    pub fn hold(&self, took: Duration) -> Duration {
        let kept = self.next.load(Relaxed).min(SAMPLES);
        if kept == 0 {
            return Duration::ZERO;
        }
        let drawn =
            self.recent_us[rand::Rng::random_range(&mut rand::rng(), 0..kept)].load(Relaxed);
        Duration::from_micros(drawn).saturating_sub(took)
    }
}

/// Waits out a hold to within a fraction of a millisecond. The runtime's timer counts whole
/// milliseconds and wakes up to two late, which held answers alone would carry: so the last
/// few milliseconds are slept on a blocking thread, whose sleep is exact to tens of
/// microseconds. Only held answers (repeats, bots) wait at all.
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

    #[test]
    fn nothing_is_held_before_a_new_signature_has_been_timed() {
        assert_eq!(AnswerPacing::default().hold(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn a_quick_answer_is_held_to_the_time_a_new_signature_takes() {
        let pacing = AnswerPacing::default();
        pacing.new_signature_took(Duration::from_millis(40));
        assert_eq!(
            pacing.hold(Duration::from_millis(5)),
            Duration::from_millis(35)
        );
        // One that already took longer is not held.
        assert_eq!(pacing.hold(Duration::from_millis(50)), Duration::ZERO);
    }

    #[test]
    fn the_time_is_drawn_from_the_recent_new_signatures() {
        let pacing = AnswerPacing::default();
        for millis in [10, 20, 30] {
            pacing.new_signature_took(Duration::from_millis(millis));
        }
        let held: std::collections::HashSet<_> = (0..500)
            .map(|_| pacing.hold(Duration::ZERO).as_millis())
            .collect();
        assert_eq!(held, [10, 20, 30].into_iter().collect());
        // Only the most recent are kept.
        for _ in 0..SAMPLES {
            pacing.new_signature_took(Duration::from_millis(7));
        }
        assert_eq!(pacing.hold(Duration::ZERO), Duration::from_millis(7));
    }
}
