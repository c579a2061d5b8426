//! Pages built once and served from memory. A shared link is read far more than it is
//! signed: a campaign's page is kept until the count or the campaign changes, or for
//! `PAGE_LIFETIME` at most (a letter's list changes as signatories are approved, which may
//! leave the count as it was).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::counts::CountView;
use crate::domain::{Campaign, Lang};

/// A page as it is served, ready for any reader: as built and gzipped (compressed once, when
/// it is built, not on each read), with its content security policy.
pub struct BuiltPage {
    pub html: Bytes,
    pub gzip: Bytes,
    pub policy: HeaderValue,
}

impl BuiltPage {
    pub fn new(html: String, policy: &str) -> Result<Self, std::io::Error> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(html.len() / 3),
            flate2::Compression::default(),
        );
        encoder.write_all(html.as_bytes())?;
        let gzip = encoder.finish()?;
        Ok(Self {
            html: Bytes::from(html),
            gzip: Bytes::from(gzip),
            policy: HeaderValue::from_str(policy)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
        })
    }
}

/// How long a built page may be served while nothing it shows has moved.
pub const PAGE_LIFETIME: Duration = Duration::from_secs(10);

/// Built pages, by campaign (and one for each index), with what they were built from.
#[derive(Default)]
pub struct PageCache {
    pub pages: Kept<BuiltPage>,
    pub previews: Kept<Bytes>,
    pub indexes: RwLock<HashMap<IndexKey, (Instant, Arc<BuiltPage>)>>,
}

/// An index page: the closed campaigns or the open ones, in a language.
pub type IndexKey = (bool, Lang);

/// What was built for each campaign, with what it was built from.
pub struct Kept<T> {
    built: RwLock<HashMap<(Uuid, Lang), Built<T>>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Self {
            built: RwLock::default(),
        }
    }
}

struct Built<T> {
    at: Instant,
    count_etag: String,
    updated_at: DateTime<Utc>,
    value: Arc<T>,
}

impl<T> Kept<T> {
    pub fn get(&self, campaign: &Campaign, view: &CountView, lang: Lang) -> Option<Arc<T>> {
        let built = self.built.read().unwrap_or_else(|e| e.into_inner());
        let built = built.get(&(campaign.id, lang))?;
        (built.at.elapsed() < PAGE_LIFETIME
            && built.count_etag == view.etag
            && built.updated_at == campaign.updated_at)
            .then(|| built.value.clone())
    }

    pub fn keep(&self, campaign: &Campaign, view: &CountView, lang: Lang, value: Arc<T>) -> Arc<T> {
        let mut built = self.built.write().unwrap_or_else(|e| e.into_inner());
        built.retain(|_, b| b.at.elapsed() < PAGE_LIFETIME);
        built.insert(
            (campaign.id, lang),
            Built {
                at: Instant::now(),
                count_etag: view.etag.clone(),
                updated_at: campaign.updated_at,
                value: value.clone(),
            },
        );
        value
    }
}
