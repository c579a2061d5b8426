//! Counts: each campaign's live count served from memory and pushed to listeners, and the
//! recount that checks stored counts against the signatures they count.

mod live;
mod recount;

pub use live::{CountView, LiveCounts, MilestoneView, YoungFigure};
pub use recount::{Checked, recount_all};
