//! Live counts: every campaign's count, served from memory and pushed to listeners.
//!
//! Why this shape: the count rows are updated in the signing transaction (spread over 16 rows
//! so concurrent signers rarely wait on one another), which keeps counts exact and durable.
//! Reading them is cheap, but a surge of readers must not touch the database at all, so each
//! instance keeps a ready-made answer per campaign (body and ETag) and rebuilds it when the
//! campaign changes: at once for changes made here, through PostgreSQL `LISTEN/NOTIFY` for
//! changes made by other instances, and every few seconds regardless (closing times pass,
//! notifications can be missed while a connection is down). Rebuilds are coalesced to at most
//! five a second per instance, and each one is sent to a campaign's stream listeners through
//! one broadcast channel, however many listen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast, mpsc};
use uuid::Uuid;

use crate::domain::{AgeBand, Campaign, CampaignStatus, NATIONS, Nation, Slug};
use crate::error::ApiError;
use crate::store::{self, CountSnapshot, Store, StoreError, TallyRows};

/// Pause between rebuild rounds: changes within it are coalesced into one.
const COALESCE: Duration = Duration::from_millis(200);
/// How long a tally is reused before it is computed again.
const TALLY_LIFETIME: Duration = Duration::from_secs(10);
/// Postcode areas and countries with fewer confirmed signatures are shown only as "other".
pub const SMALLEST_BUCKET: u64 = 5;

/// The smallest figure about young signers (in all, or of one age band) shown as it is: below
/// it, the public sees only "fewer than 10", so that a small campaign does not tell how many
/// children signed, nor which one.
pub const SMALLEST_YOUNG_FIGURE: u64 = 10;

/// A figure about young signers as the public sees it: the number from
/// [`SMALLEST_YOUNG_FIGURE`] up, else the words `"fewer than 10"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum YoungFigure {
    Exactly(u64),
    FewerThanTen(&'static str),
}

impl YoungFigure {
    pub fn of(count: u64) -> Self {
        if count >= SMALLEST_YOUNG_FIGURE {
            YoungFigure::Exactly(count)
        } else {
            YoungFigure::FewerThanTen("fewer than 10")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneView {
    pub count: u64,
    pub reached_at: Option<DateTime<Utc>>,
}

/// A campaign's count as served: the JSON body, its ETag and what the stream needs. Only
/// confirmed figures are in it (no pending count, no time of the last change), so the body,
/// its ETag and the stream move only on confirmed events, never on a signing attempt: no one
/// learns from them whether an address had signed.
#[derive(Debug)]
pub struct CountView {
    pub campaign_id: Uuid,
    pub status: CampaignStatus,
    pub total: u64,
    /// Of `total`, how many signed for organisations and how many as individuals.
    pub organisations: u64,
    pub individuals: u64,
    /// Of `total`, how many were collected on paper.
    pub paper: u64,
    /// On campaigns that welcome young signers: how many under-18s are in `total` (exactly:
    /// what the public sees is its [`YoungFigure`]).
    pub young_signers: Option<u64>,
    pub body: String,
    /// A quoted strong ETag, the same on every instance for the same count.
    pub etag: String,
    pub milestones: Vec<MilestoneView>,
    /// Milestones this rebuild found newly reached, for the stream to announce.
    pub newly_reached: Vec<MilestoneView>,
}

#[derive(Serialize)]
struct CountBody<'a> {
    slug: &'a str,
    kind: &'static str,
    status: &'static str,
    total: u64,
    organisations: u64,
    individuals: u64,
    /// Of `total`, how many were collected on paper and entered by the organisers.
    paper: u64,
    target: Option<u64>,
    milestones: &'a [MilestoneView],
    /// On campaigns that welcome young signers: how many under-18s signed, and every signer
    /// by age band (bands under [`SMALLEST_YOUNG_FIGURE`] folded into `other`), each as a
    /// [`YoungFigure`].
    #[serde(skip_serializing_if = "Option::is_none")]
    young_signers: Option<YoungFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_age_band: Option<Vec<AgeBucket>>,
}

/// Signers of one age band (or `other`), as the public sees the figure.
#[derive(Serialize)]
struct AgeBucket {
    key: String,
    count: YoungFigure,
}

/// Signers by age band (of those who gave one), bands under [`SMALLEST_YOUNG_FIGURE`] folded
/// into `other`, whose figure is shown as a [`YoungFigure`] too.
fn age_bands(bands: impl IntoIterator<Item = (String, u64)>) -> Vec<AgeBucket> {
    let mut buckets = Vec::new();
    let mut other = 0;
    for (key, count) in bands.into_iter().filter(|(_, n)| *n > 0) {
        if count >= SMALLEST_YOUNG_FIGURE {
            buckets.push(AgeBucket {
                key,
                count: YoungFigure::Exactly(count),
            });
        } else {
            other += count;
        }
    }
    if other > 0 {
        buckets.push(AgeBucket {
            key: "other".into(),
            count: YoungFigure::of(other),
        });
    }
    buckets
}

impl CountView {
    /// A draft's count as its preview shows it: nothing signed yet.
    pub fn nothing_yet(campaign: &Campaign) -> Self {
        Self::build(campaign, CountSnapshot::default(), &[], None, store::now())
    }

    fn build(
        campaign: &Campaign,
        counts: CountSnapshot,
        reached: &[(u64, DateTime<Utc>)],
        previous: Option<&CountView>,
        now: DateTime<Utc>,
    ) -> Self {
        let milestones: Vec<MilestoneView> = thresholds(campaign)
            .into_iter()
            .map(|count| MilestoneView {
                count,
                reached_at: reached.iter().find(|(c, _)| *c == count).map(|(_, at)| *at),
            })
            .collect();
        let status = campaign.status_at(now);
        let young_signers = campaign
            .signers
            .young_signers
            .then(|| counts.by_age_band[..3].iter().sum::<u64>());
        let body = serde_json::to_string(&CountBody {
            slug: campaign.slug.as_str(),
            kind: campaign.kind.as_str(),
            status: status.as_str(),
            total: counts.total(),
            organisations: counts.confirmed_organisations,
            individuals: counts.confirmed_individuals,
            paper: counts.paper,
            target: campaign.target.map(|t| t.get()),
            milestones: &milestones,
            young_signers: young_signers.map(YoungFigure::of),
            by_age_band: campaign.signers.young_signers.then(|| {
                age_bands(
                    AgeBand::ALL
                        .iter()
                        .map(|band| band.as_str().to_owned())
                        .zip(counts.by_age_band),
                )
            }),
        })
        .expect("a count serialises");
        let digest = Sha256::digest(body.as_bytes());
        let newly_reached = match previous {
            Some(previous) => milestones
                .iter()
                .filter(|m| {
                    m.reached_at.is_some()
                        && !previous
                            .milestones
                            .iter()
                            .any(|p| p.count == m.count && p.reached_at.is_some())
                })
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        CountView {
            campaign_id: campaign.id,
            status,
            total: counts.total(),
            organisations: counts.confirmed_organisations,
            individuals: counts.confirmed_individuals,
            paper: counts.paper,
            young_signers,
            etag: format!("\"{}\"", hex::encode(&digest[..12])),
            body,
            milestones,
            newly_reached,
        }
    }
}

/// The counts a campaign celebrates: its milestones and its target.
fn thresholds(campaign: &Campaign) -> Vec<u64> {
    let mut counts = campaign.milestones.counts().to_vec();
    if let Some(target) = campaign.target {
        counts.push(target.get());
    }
    counts.sort_unstable();
    counts.dedup();
    counts
}

struct Slot {
    view: Arc<CountView>,
    updates: broadcast::Sender<Arc<CountView>>,
}

/// Campaigns waiting to be rebuilt, and whether the change was made here (and so must be
/// announced to other instances).
#[derive(Default)]
struct Pending {
    campaigns: HashMap<Uuid, bool>,
}

pub struct LiveCounts {
    store: Arc<dyn Store>,
    slots: RwLock<HashMap<Uuid, Slot>>,
    by_slug: RwLock<HashMap<String, Uuid>>,
    pending: Mutex<Pending>,
    wake: Notify,
    tallies: Mutex<HashMap<Uuid, (Instant, Arc<String>)>>,
    /// Set when the process begins to shut down: every open stream then ends.
    closing: tokio::sync::watch::Sender<bool>,
    /// Every cached campaign is rebuilt at least this often, whatever it has been told.
    full_refresh: Duration,
}

impl LiveCounts {
    pub fn new(store: Arc<dyn Store>, full_refresh: Duration) -> Arc<Self> {
        Arc::new(Self {
            store,
            full_refresh,
            slots: RwLock::default(),
            by_slug: RwLock::default(),
            pending: Mutex::default(),
            wake: Notify::new(),
            tallies: Mutex::default(),
            closing: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Ends every open count stream, now and from now on. A stream never ends by itself, so
    /// without this a graceful shutdown would wait out its whole grace period for them; the
    /// listeners' `EventSource`s reconnect, to an instance still running.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once the streams are to close.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            // An error means the sender is gone, which only happens as the process ends.
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }

    /// The count of a campaign anyone may see (open or closed); from memory once loaded.
    pub async fn view(&self, slug: &Slug) -> Result<Arc<CountView>, ApiError> {
        let cached = self
            .by_slug
            .read()
            .unwrap()
            .get(slug.as_str())
            .and_then(|id| self.slots.read().unwrap().get(id).map(|s| s.view.clone()));
        let view = match cached {
            Some(view) => view,
            None => {
                let campaign = self.store.campaign(slug).await?.ok_or(ApiError::NotFound)?;
                self.rebuild(campaign, false).await?
            }
        };
        if view.status == CampaignStatus::Draft {
            return Err(ApiError::NotFound);
        }
        Ok(view)
    }

    /// Changes to a campaign's count, from its current view on.
    pub fn subscribe(&self, campaign_id: Uuid) -> Option<broadcast::Receiver<Arc<CountView>>> {
        self.slots
            .read()
            .unwrap()
            .get(&campaign_id)
            .map(|slot| slot.updates.subscribe())
    }

    /// A change made by this instance: rebuild soon, and tell the other instances.
    pub fn changed(&self, campaign_id: Uuid) {
        self.pending
            .lock()
            .unwrap()
            .campaigns
            .insert(campaign_id, true);
        self.wake.notify_one();
    }

    fn changed_elsewhere(&self, campaign_id: Uuid) {
        self.pending
            .lock()
            .unwrap()
            .campaigns
            .entry(campaign_id)
            .or_insert(false);
        self.wake.notify_one();
    }

    /// Reads a campaign's count and milestones and, if anything changed, replaces its view
    /// and sends the new one to its listeners.
    /// `replace` is false for a reader's cache miss, which only fills an empty slot.
    async fn rebuild(
        &self,
        campaign: Campaign,
        replace: bool,
    ) -> Result<Arc<CountView>, StoreError> {
        let now = store::now();
        let counts = self.store.campaign_count(campaign.id).await?;
        let previous = self
            .slots
            .read()
            .unwrap()
            .get(&campaign.id)
            .map(|s| s.view.clone());
        let crossed: Vec<u64> = thresholds(&campaign)
            .into_iter()
            .filter(|&t| counts.total() >= t)
            .collect();
        let unrecorded = crossed.iter().any(|t| {
            !previous.as_ref().is_some_and(|p| {
                p.milestones
                    .iter()
                    .any(|m| m.count == *t && m.reached_at.is_some())
            })
        });
        let reached = match (&previous, unrecorded) {
            (Some(previous), false) => previous
                .milestones
                .iter()
                .filter_map(|m| m.reached_at.map(|at| (m.count, at)))
                .collect(),
            // Recorded once in the database, so two instances crossing together agree.
            _ => {
                self.store
                    .reach_milestones(campaign.id, &crossed, now)
                    .await?
            }
        };
        let view = Arc::new(CountView::build(
            &campaign,
            counts,
            &reached,
            previous.as_deref(),
            now,
        ));
        if previous.as_ref().is_some_and(|p| p.etag == view.etag) {
            return Ok(previous.expect("checked above"));
        }
        let mut slots = self.slots.write().unwrap();
        match slots.get_mut(&campaign.id) {
            // Another rebuild got here first: a reader's cache miss racing the refresher. Keep
            // what is there (a reader's rebuild may have read older counts), send nothing twice.
            Some(slot) if slot.view.etag == view.etag || !replace => return Ok(slot.view.clone()),
            Some(slot) => {
                slot.view = view.clone();
                // No listeners is not an error.
                let _ = slot.updates.send(view.clone());
            }
            None => {
                slots.insert(
                    campaign.id,
                    Slot {
                        view: view.clone(),
                        updates: broadcast::channel(16).0,
                    },
                );
            }
        }
        drop(slots);
        self.by_slug
            .write()
            .unwrap()
            .insert(campaign.slug.to_string(), campaign.id);
        Ok(view)
    }

    async fn rebuild_by_id(&self, campaign_id: Uuid) -> Result<(), StoreError> {
        match self.store.campaign_by_id(campaign_id).await? {
            Some(campaign) => self.rebuild(campaign, true).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// Starts the rebuilding and, on PostgreSQL, listening for other instances' changes.
    pub fn start(self: &Arc<Self>) {
        let (changes, mut elsewhere) = mpsc::unbounded_channel();
        let live = Arc::clone(self);
        tokio::spawn(async move {
            live.store.watch_changes(changes).await;
            while let Some(id) = elsewhere.recv().await {
                live.changed_elsewhere(id);
            }
        });
        let live = Arc::clone(self);
        tokio::spawn(async move { live.run().await });
    }

    async fn run(&self) {
        let mut next_full = Instant::now() + self.full_refresh;
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep_until(next_full.into()) => {}
            }
            let mut due = std::mem::take(&mut self.pending.lock().unwrap().campaigns);
            if Instant::now() >= next_full {
                for id in self.slots.read().unwrap().keys() {
                    due.entry(*id).or_insert(false);
                }
                next_full = Instant::now() + self.full_refresh;
            }
            let mut made_here = Vec::new();
            for (id, local) in due {
                if let Err(e) = self.rebuild_by_id(id).await {
                    tracing::warn!(campaign = %id, error = %e, "could not refresh a count");
                    // Try again next round.
                    self.pending
                        .lock()
                        .unwrap()
                        .campaigns
                        .entry(id)
                        .or_insert(local);
                    continue;
                }
                if local {
                    made_here.push(id);
                }
            }
            if !made_here.is_empty()
                && let Err(e) = self.store.announce_changes(&made_here).await
            {
                tracing::warn!(error = %e, "could not tell other instances of changes");
            }
            tokio::time::sleep(COALESCE).await;
        }
    }

    /// The public tally of a campaign, computed at most every few seconds.
    pub async fn tally(&self, view: &CountView) -> Result<Arc<String>, ApiError> {
        let id = view.campaign_id;
        if let Some((at, body)) = self.tallies.lock().unwrap().get(&id)
            && at.elapsed() < TALLY_LIFETIME
        {
            return Ok(body.clone());
        }
        let rows = self.store.tally(id).await?;
        let body = Arc::new(tally_body(view, rows));
        self.tallies
            .lock()
            .unwrap()
            .insert(id, (Instant::now(), body.clone()));
        Ok(body)
    }
}

#[derive(Serialize)]
struct Bucket {
    key: String,
    count: u64,
}

/// Buckets smaller than [`SMALLEST_BUCKET`] are folded into one `other`, so a rare postcode
/// area or country does not point at a person.
fn fold_small(rows: Vec<(Option<String>, u64)>, missing: &str) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    let mut other = 0;
    for (key, count) in rows {
        match key {
            Some(key) if count >= SMALLEST_BUCKET => buckets.push(Bucket { key, count }),
            None => buckets.push(Bucket {
                key: missing.to_owned(),
                count,
            }),
            Some(_) => other += count,
        }
    }
    if other > 0 {
        buckets.push(Bucket {
            key: "other".into(),
            count: other,
        });
    }
    buckets
}

fn tally_body(view: &CountView, rows: TallyRows) -> String {
    let by_source: Vec<Bucket> = rows
        .by_source
        .into_iter()
        .map(|(key, count)| Bucket {
            key: key.unwrap_or_else(|| "direct".into()),
            count,
        })
        .collect();
    let by_country = fold_small(
        rows.by_country
            .into_iter()
            .map(|(k, n)| (Some(k), n))
            .collect(),
        "unknown",
    );
    let by_postcode_area = fold_small(rows.by_postcode_area, "none");
    // Only signers asked their age (on campaigns that welcome young signers) have a band.
    let by_age_band = age_bands(
        rows.by_age_band
            .into_iter()
            .filter_map(|(band, n)| band.map(|band| (band, n))),
    );
    // Every nation, in order, each with its count (zero included).
    let mut nations = [0u64; NATIONS.len()];
    for (country, area, n) in &rows.by_country_and_area {
        let nation = Nation::of(country, area.as_deref());
        if let Some(i) = NATIONS.iter().position(|x| *x == nation) {
            nations[i] += n;
        }
    }
    let by_nation: serde_json::Map<String, serde_json::Value> = NATIONS
        .iter()
        .zip(nations)
        .map(|(nation, n)| (nation.key().to_owned(), serde_json::json!(n)))
        .collect();
    let by_hour: Vec<serde_json::Value> = rows
        .by_hour
        .into_iter()
        .map(|(hour, count)| serde_json::json!({"hour": hour, "count": count}))
        .collect();
    serde_json::json!({
        "total": view.total,
        "by_source": by_source,
        "by_country": by_country,
        "by_postcode_area": by_postcode_area,
        "by_nation": by_nation,
        "by_hour": by_hour,
        "by_age_band": by_age_band,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_buckets_are_folded_into_other() {
        let rows = vec![
            (Some("CF".to_owned()), 12),
            (Some("SW".to_owned()), 5),
            (Some("LL".to_owned()), 4),
            (Some("ZE".to_owned()), 1),
            (None, 3),
        ];
        let buckets = fold_small(rows, "none");
        let pairs: Vec<(&str, u64)> = buckets.iter().map(|b| (b.key.as_str(), b.count)).collect();
        assert_eq!(pairs, [("CF", 12), ("SW", 5), ("none", 3), ("other", 5)]);
    }
}
