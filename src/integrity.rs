//! Defending a count: the integrity view (where a campaign's signatures came from, hour by
//! hour, with what looks like a flood flagged), bulk invalidation with a preview and its
//! undoing, and the addresses refused at signing. The API and the console call these.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::counts::LiveCounts;
use crate::domain::integrity::{
    Blocklist, InvalidationFigures, InvalidationFilter, InvalidationReason, RESTORABLE_DAYS,
};
use crate::domain::{Campaign, Email, User};
use crate::error::{ApiError, Conflict};
use crate::store::{self, IntegrityRows, NewInvalidation, Restoration, Store};

/// An hour is flagged when it has more than this many times the campaign's median hour.
pub const SPIKE_FACTOR: u64 = 5;
/// The share of the range above which a block or domain is flagged, unless the organiser
/// sets another.
pub const DEFAULT_FLAG_SHARE: f64 = 0.2;
/// Signatures a preview shows.
pub const SAMPLE_SIZE: u32 = 10;

/// The addresses the whole service refuses, as this instance knows them: read when it
/// starts, again every little while (another instance may have changed them), and at once
/// when changed here.
#[derive(Default)]
pub struct ServiceBlocklist {
    current: RwLock<Arc<Blocklist>>,
}

impl ServiceBlocklist {
    pub fn refuses(&self, email: &Email) -> bool {
        self.current().blocks(email)
    }

    pub fn current(&self) -> Arc<Blocklist> {
        self.current.read().expect("blocklist lock").clone()
    }

    fn replace(&self, blocklist: Blocklist) {
        *self.current.write().expect("blocklist lock") = Arc::new(blocklist);
    }

    /// Read from the store now, then every `every`, for as long as the process runs.
    pub async fn load(store: Arc<dyn Store>, every: Duration) -> Arc<Self> {
        let list = Arc::new(Self::default());
        match store.service_blocklist().await {
            Ok(read) => list.replace(read),
            Err(e) => tracing::error!(error = %e, "could not read the service's blocklist"),
        }
        let refreshed = list.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match store.service_blocklist().await {
                    Ok(read) => refreshed.replace(read),
                    Err(e) => tracing::warn!(error = %e, "could not refresh the blocklist"),
                }
            }
        });
        list
    }

    /// Replaces the service's blocklist (an admin's act), here at once.
    pub async fn set(&self, store: &dyn Store, blocklist: Blocklist) -> Result<(), ApiError> {
        store
            .set_service_blocklist(&blocklist, store::now())
            .await?;
        self.replace(blocklist);
        Ok(())
    }
}

/// One hour of a campaign's signing, by what became of the signatures.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Hour {
    pub hour: String,
    pub confirmed: u64,
    pub pending: u64,
    pub spam: u64,
    pub withdrawn: u64,
    pub invalidated: u64,
}

impl Hour {
    pub fn total(&self) -> u64 {
        self.confirmed + self.pending + self.spam + self.withdrawn + self.invalidated
    }
}

/// One block, domain or source, with how many of its signatures were confirmed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    /// The block's label, the domain, or the partner's code; `null` for a source means the
    /// signatures came directly, and for a domain that their emails were erased.
    pub key: Option<String>,
    pub count: u64,
    pub confirmed: u64,
    /// `confirmed / count`.
    pub confirmation_rate: f64,
    /// Its part of every signature in the range.
    pub share: f64,
}

/// Something that looks like a flood.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flag {
    /// `hour`, `block` or `domain`.
    pub kind: &'static str,
    pub key: String,
    pub count: u64,
    /// Why it is flagged, in a sentence.
    pub reason: String,
}

/// The integrity view of a campaign over a range of signing times.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrityView {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub total: u64,
    pub median_hour: u64,
    pub flag_share: f64,
    pub hours: Vec<Hour>,
    pub blocks: Vec<Group>,
    pub domains: Vec<Group>,
    pub sources: Vec<Group>,
    pub flags: Vec<Flag>,
}

/// Reads the integrity view of a campaign the caller manages.
pub async fn view(
    store: &dyn Store,
    campaign: &Campaign,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    flag_share: f64,
) -> Result<IntegrityView, ApiError> {
    let rows = store.integrity_rows(campaign.id, from, to).await?;
    Ok(shape(rows, from, to, flag_share))
}

fn shape(
    rows: IntegrityRows,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    flag_share: f64,
) -> IntegrityView {
    let mut hours: Vec<Hour> = Vec::new();
    for (hour, status, n) in rows.hours {
        if hours.last().is_none_or(|last| last.hour != hour) {
            hours.push(Hour {
                hour: hour.clone(),
                ..Hour::default()
            });
        }
        let last = hours.last_mut().expect("pushed above");
        match status.as_str() {
            "confirmed" => last.confirmed += n,
            "pending" => last.pending += n,
            "spam" => last.spam += n,
            "invalidated" => last.invalidated += n,
            // Withdrawn, and pledges that lapsed: taken back either way.
            _ => last.withdrawn += n,
        }
    }
    let total: u64 = hours.iter().map(Hour::total).sum();
    let median_hour = median(hours.iter().map(Hour::total).collect());
    let group = |(key, count, confirmed): (Option<String>, u64, u64)| Group {
        key,
        count,
        confirmed,
        confirmation_rate: ratio(confirmed, count),
        share: ratio(count, total),
    };
    let blocks: Vec<Group> = rows.blocks.into_iter().map(group).collect();
    let domains: Vec<Group> = rows.domains.into_iter().map(group).collect();
    let sources: Vec<Group> = rows.sources.into_iter().map(group).collect();
    let mut flags = Vec::new();
    // With fewer than three hours there is no typical hour to compare with.
    if hours.len() >= 3 {
        for hour in &hours {
            if hour.total() > SPIKE_FACTOR * median_hour.max(1) {
                flags.push(Flag {
                    kind: "hour",
                    key: hour.hour.clone(),
                    count: hour.total(),
                    reason: format!(
                        "{} signatures, more than {SPIKE_FACTOR} times the typical hour ({median_hour})",
                        hour.total()
                    ),
                });
            }
        }
    }
    for (kind, groups) in [("block", &blocks), ("domain", &domains)] {
        for g in groups {
            if let Some(key) = &g.key
                && g.share > flag_share
                && g.count >= 10
            {
                flags.push(Flag {
                    kind,
                    key: key.clone(),
                    count: g.count,
                    reason: format!(
                        "{:.0}% of the signatures in this range, above the {:.0}% set",
                        g.share * 100.0,
                        flag_share * 100.0
                    ),
                });
            }
        }
    }
    IntegrityView {
        from,
        to,
        total,
        median_hour,
        flag_share,
        hours,
        blocks,
        domains,
        sources,
        flags,
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 1000.0).round() / 1000.0
    }
}

fn median(mut values: Vec<u64>) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[values.len() / 2]
}

/// What a filter would take, changing nothing.
pub async fn preview(
    store: &dyn Store,
    campaign: &Campaign,
    filter: &InvalidationFilter,
) -> Result<InvalidationFigures, ApiError> {
    Ok(store
        .preview_invalidation(campaign.id, filter, SAMPLE_SIZE)
        .await?)
}

/// Takes what a filter names out of every count, at once (the live count and its streams
/// included), recorded with who, why and how many.
pub async fn invalidate(
    store: &dyn Store,
    live: &LiveCounts,
    campaign: &Campaign,
    by: &User,
    filter: InvalidationFilter,
    reason: InvalidationReason,
) -> Result<(Uuid, InvalidationFigures), ApiError> {
    let now = store::now();
    let record = filter.record();
    let invalidation = NewInvalidation {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        filter,

        reason: reason.as_str().to_owned(),
        created_by: by.id,
        now,
        restorable_until: now + chrono::Duration::days(RESTORABLE_DAYS),
    };
    let figures = store.invalidate(&invalidation, SAMPLE_SIZE).await?;
    live.changed(campaign.id);
    crate::audit::record(
        store,
        Some(by.id),
        "invalidated",
        campaign.id,
        None,
        figures.signatures,
        serde_json::json!({
            "invalidation": invalidation.id,
            "reason": reason.as_str(),
            "filter": record,
            "confirmed": figures.confirmed,
        })
        .to_string(),
    )
    .await;
    Ok((invalidation.id, figures))
}

/// Puts an invalidation's signatures back, within the days it stays restorable.
pub async fn restore(
    store: &dyn Store,
    live: &LiveCounts,
    campaign: &Campaign,
    by: &User,
    id: Uuid,
) -> Result<(u64, u64), ApiError> {
    match store
        .restore_invalidation(campaign.id, id, by.id, store::now())
        .await?
    {
        Restoration::Restored {
            signatures,
            confirmed,
        } => {
            live.changed(campaign.id);
            crate::audit::record(
                store,
                Some(by.id),
                "restored",
                campaign.id,
                None,
                signatures,
                serde_json::json!({"invalidation": id, "confirmed": confirmed}).to_string(),
            )
            .await;
            Ok((signatures, confirmed))
        }
        Restoration::NotFound => Err(ApiError::NotFound),
        Restoration::AlreadyRestored => Err(ApiError::Conflict(Conflict::NotRestorable(
            "this invalidation has been restored already",
        ))),
        Restoration::Expired => Err(ApiError::Conflict(Conflict::NotRestorable(
            "invalidated signatures can be restored for 30 days, and these were invalidated longer ago",
        ))),
    }
}

/// Replaces a campaign's own blocklist, and whether it refuses throwaway inboxes.
pub async fn set_campaign_screening(
    store: &dyn Store,
    campaign: &Campaign,
    by: &User,
    blocklist: Blocklist,
    block_disposable: bool,
) -> Result<(), ApiError> {
    store
        .set_campaign_screening(campaign.id, &blocklist, block_disposable, store::now())
        .await?;
    crate::audit::record(
        store,
        Some(by.id),
        "blocklist_changed",
        campaign.id,
        None,
        blocklist.entries().len() as u64,
        serde_json::json!({
            "domains": blocklist.entries(),
            "disposable": block_disposable,
        })
        .to_string(),
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_and_a_dominant_block_are_flagged() {
        let mut hours = Vec::new();
        for (hour, n) in [("01", 10), ("02", 12), ("03", 11), ("04", 200)] {
            hours.push((
                format!("2026-12-01T{hour}:00:00Z"),
                "confirmed".to_owned(),
                n,
            ));
        }
        let rows = IntegrityRows {
            hours,
            blocks: vec![(Some("ipv4/24:aaaaaaaaaaaa".into()), 150, 2)],
            domains: vec![(Some("example.org".into()), 20, 20)],
            sources: vec![(None, 233, 233)],
        };
        let view = shape(rows, None, None, 0.2);
        assert_eq!(view.total, 233);
        assert_eq!(view.median_hour, 12);
        let kinds: Vec<(&str, &str)> = view
            .flags
            .iter()
            .map(|f| (f.kind, f.key.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("hour", "2026-12-01T04:00:00Z"),
                ("block", "ipv4/24:aaaaaaaaaaaa")
            ]
        );
        assert_eq!(view.blocks[0].confirmation_rate, 0.013);
    }
}
