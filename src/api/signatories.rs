//! What organisers do with collected signatures (list, export, moderate, erase), what the
//! public may see of them (signatories, the letter), and the audit log of it all.

use std::convert::Infallible;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::managed_campaign;
use crate::accounts::organiser_of;
use crate::domain::records::SearchText;
use crate::domain::{AreaCode, Campaign, CampaignKind, Nation, Review, SignatoryType, Slug};
use crate::error::ApiError;
use crate::http::auth::{MaybeOrganiser, Organiser};
use crate::http::extract::{ApiJson, present, present_object};
use crate::state::AppState;
use crate::store::{
    self, LoggedAudit, PublicSignatory, ReviewSelection, SignatureFilter, SignatureRecord,
    SourceFilter,
};

/// A signature as its campaign's organisers get it in JSON.
#[derive(Serialize)]
struct SignatureView<'a> {
    id: Uuid,
    name: Option<&'a str>,
    email: Option<&'a str>,
    /// `erased` for an erased signature, else its stored status.
    status: &'static str,
    review: Review,
    source: Option<&'a str>,
    signatory_type: SignatoryType,
    organisation: Option<&'a str>,
    role: Option<&'a str>,
    postcode: Option<&'a str>,
    country: &'a str,
    public: bool,
    contact: bool,
    consent_version: i32,
    text_version: i32,
    possible_duplicate: bool,
    signed_at: DateTime<Utc>,
    confirmed_at: Option<DateTime<Utc>>,
    /// A pledger's website, and the page that verifies its pledge (pledges only).
    website: Option<&'a str>,
    verify_url: Option<String>,
    renewed_at: Option<DateTime<Utc>>,
    lapsed_at: Option<DateTime<Utc>>,
    lang: &'a str,
    age_band: Option<&'a str>,
}

/// Where a campaign's pledgers' verification pages are: `None` unless it is a pledge.
fn pledger_pages(state: &AppState, campaign: &Campaign) -> Option<String> {
    (campaign.kind == CampaignKind::Pledge).then(|| {
        format!(
            "{}/c/{}/pledgers/",
            state.public_url.as_str().trim_end_matches('/'),
            campaign.slug
        )
    })
}

impl<'a> SignatureView<'a> {
    /// `pledger_pages` as [`pledger_pages`] gives it.
    fn of(s: &'a SignatureRecord, pledger_pages: Option<&str>) -> Self {
        Self {
            website: s.website.as_deref(),
            verify_url: pledger_pages.map(|base| format!("{base}{}", s.id)),
            renewed_at: s.renewed_at,
            lapsed_at: s.lapsed_at,
            lang: &s.lang,
            age_band: s.age_band.as_deref(),
            id: s.id,
            name: s.name.as_deref(),
            email: s.email.as_deref(),
            status: s.listed_status(),
            review: s.review,
            source: s.source.as_deref(),
            signatory_type: s.signatory_type,
            organisation: s.organisation.as_deref(),
            role: s.role.as_deref(),
            postcode: s.postcode.as_deref(),
            country: &s.country,
            public: s.public,
            contact: s.contact,
            consent_version: s.consent_version,
            text_version: s.text_version,
            possible_duplicate: s.possible_duplicate,
            signed_at: s.signed_at,
            confirmed_at: s.confirmed_at,
        }
    }
}

/// A signatory as the public gets it: never an email or a postcode.
#[derive(Serialize)]
struct SignatoryView<'a> {
    name: &'a str,
    role: Option<&'a str>,
    organisation: Option<&'a str>,
    signatory_type: SignatoryType,
    signed_at: DateTime<Utc>,
    /// For a pledge: the pledger's website and the page that verifies its pledge.
    #[serde(skip_serializing_if = "Option::is_none")]
    website: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify_url: Option<String>,
}

impl<'a> SignatoryView<'a> {
    fn of(s: &'a PublicSignatory, pledger_pages: Option<&str>) -> Self {
        Self {
            website: s.website.as_deref(),
            verify_url: pledger_pages.map(|base| format!("{base}{}", s.id)),
            name: &s.name,
            role: s.role.as_deref(),
            organisation: s.organisation.as_deref(),
            signatory_type: s.signatory_type,
            signed_at: s.signed_at,
        }
    }
}

#[derive(Serialize)]
struct AuditEntryView<'a> {
    id: Uuid,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    action: &'a str,
    campaign_id: Uuid,
    campaign: &'a str,
    signature_id: Option<Uuid>,
    rows: i64,
    detail: &'a str,
}

impl<'a> From<&'a LoggedAudit> for AuditEntryView<'a> {
    fn from(logged: &'a LoggedAudit) -> Self {
        let e = &logged.entry;
        Self {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            action: &e.action,
            campaign_id: e.campaign_id,
            campaign: &logged.campaign_slug,
            signature_id: e.signature_id,
            rows: e.rows,
            detail: &e.detail,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterQuery {
    status: Option<String>,
    contact: Option<bool>,
    /// Text the name, email or organisation contains.
    q: Option<String>,
    review: Option<String>,
    signatory_type: Option<String>,
    /// `direct`, or a partner's code.
    source: Option<String>,
    /// Listing consent: only those who agreed to be listed (`true`) or who did not.
    public: Option<bool>,
    lang: Option<String>,
    constituency: Option<String>,
    council: Option<String>,
    nation: Option<String>,
    format: Option<String>,
    after: Option<Uuid>,
    limit: Option<u32>,
}

/// Parses an optional filter value, naming its field when it is not one.
fn parsed<T>(
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    raw.map(parse)
        .transpose()
        .map_err(|m| ApiError::field(field, m))
}

/// The filters an organiser narrows signatures by, as the list, the export and a review of
/// many take them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionFilter {
    #[serde(default, deserialize_with = "present")]
    status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    contact: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    q: Option<String>,
    #[serde(default, deserialize_with = "present")]
    review: Option<String>,
    #[serde(default, deserialize_with = "present")]
    signatory_type: Option<String>,
    #[serde(default, deserialize_with = "present")]
    source: Option<String>,
    #[serde(default, deserialize_with = "present")]
    public: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    lang: Option<String>,
    #[serde(default, deserialize_with = "present")]
    constituency: Option<String>,
    #[serde(default, deserialize_with = "present")]
    council: Option<String>,
    #[serde(default, deserialize_with = "present")]
    nation: Option<String>,
}

impl SelectionFilter {
    /// The filter, its faults named with `prefix` before each field (`filter.` in a body).
    fn filter(&self, prefix: &str) -> Result<SignatureFilter, ApiError> {
        let name = |field: &str| format!("{prefix}{field}");
        Ok(SignatureFilter {
            status: parsed(&name("status"), self.status.as_deref(), str::parse)?,
            contact_only: self.contact == Some(true),
            containing: parsed(&name("q"), self.q.as_deref(), SearchText::parse)?,
            review: parsed(&name("review"), self.review.as_deref(), str::parse)?,
            signatory_type: parsed(
                &name("signatory_type"),
                self.signatory_type.as_deref(),
                str::parse,
            )?,
            source: parsed(&name("source"), self.source.as_deref(), SourceFilter::parse)?,
            public: self.public,
            lang: parsed(&name("lang"), self.lang.as_deref(), str::parse)?,
            constituency: parsed(
                &name("constituency"),
                self.constituency.as_deref(),
                AreaCode::parse,
            )?,
            council: parsed(&name("council"), self.council.as_deref(), AreaCode::parse)?,
            nation: parsed(&name("nation"), self.nation.as_deref(), Nation::parse_uk)?,
        })
    }
}

impl FilterQuery {
    fn filter(&self) -> Result<SignatureFilter, ApiError> {
        SelectionFilter {
            status: self.status.clone(),
            contact: self.contact,
            q: self.q.clone(),
            review: self.review.clone(),
            signatory_type: self.signatory_type.clone(),
            source: self.source.clone(),
            public: self.public,
            lang: self.lang.clone(),
            constituency: self.constituency.clone(),
            council: self.council.clone(),
            nation: self.nation.clone(),
        }
        .filter("")
    }
}

/// `GET /v1/campaigns/{slug}/signatures`: a page of signatures for the campaign's organisers.
pub async fn list(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    if query.format.is_some() {
        return Err(ApiError::field("format", "is only taken by the export"));
    }
    let filter = query.filter()?;
    let matching = state
        .store
        .count_signatures(campaign.id, filter.clone())
        .await?;
    let page = state
        .store
        .signatures(campaign.id, filter, query.after, limit)
        .await?;
    let pages = pledger_pages(&state, &campaign);
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(|s| s.id))
        .flatten();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "signatures": page.iter().map(|s| SignatureView::of(s, pages.as_deref())).collect::<Vec<_>>(),
            "next_after": next,
            "matching": matching,
        })))
}

/// The export's columns, in order: part of the public contract (openapi.yaml).
pub const EXPORT_COLUMNS: [&str; 24] = [
    "id",
    "name",
    "email",
    "status",
    "review",
    "source",
    "signatory_type",
    "organisation",
    "role",
    "postcode",
    "country",
    "public",
    "contact",
    "consent_version",
    "text_version",
    "possible_duplicate",
    "signed_at",
    "confirmed_at",
    "website",
    "verify_url",
    "renewed_at",
    "lapsed_at",
    "lang",
    "age_band",
];

fn csv_cells(s: &SignatureRecord, pledger_pages: Option<&str>) -> [String; 24] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    [
        s.id.to_string(),
        text(&s.name),
        text(&s.email),
        s.listed_status().to_owned(),
        s.review.to_string(),
        text(&s.source),
        s.signatory_type.to_string(),
        text(&s.organisation),
        text(&s.role),
        text(&s.postcode),
        s.country.clone(),
        s.public.to_string(),
        s.contact.to_string(),
        s.consent_version.to_string(),
        s.text_version.to_string(),
        s.possible_duplicate.to_string(),
        s.signed_at.to_rfc3339(),
        time(s.confirmed_at),
        text(&s.website),
        pledger_pages
            .map(|base| format!("{base}{}", s.id))
            .unwrap_or_default(),
        time(s.renewed_at),
        time(s.lapsed_at),
        s.lang.clone(),
        text(&s.age_band),
    ]
}

fn csv_line<I: IntoIterator<Item = S>, S: AsRef<str>>(cells: I) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let cells: Vec<String> = cells
        .into_iter()
        .map(|c| crate::letter::neutralise(c.as_ref()).into_owned())
        .collect();
    writer.write_record(&cells).expect("writing to memory");
    writer.into_inner().expect("writing to memory")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    Ndjson,
}

/// `GET /v1/campaigns/{slug}/signatures/export`: every signature the filters keep, as CSV
/// (RFC 4180, UTF-8, safe to open in a spreadsheet) or NDJSON, streamed from one database
/// cursor. The export is written to the audit log with the number of rows sent.
pub async fn export(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let format = match query.format.as_deref().unwrap_or("csv") {
        "csv" => ExportFormat::Csv,
        "ndjson" => ExportFormat::Ndjson,
        _ => return Err(ApiError::field("format", "must be one of: csv, ndjson")),
    };
    if query.after.is_some() || query.limit.is_some() {
        return Err(ApiError::field(
            "query",
            "the export takes no after or limit: it is complete",
        ));
    }
    let filter = query.filter()?;
    let detail = format!(
        "{} export, status {}, contact only {}{}",
        if format == ExportFormat::Csv {
            "CSV"
        } else {
            "NDJSON"
        },
        filter.status.map_or("any", |s| s.as_str()),
        filter.contact_only,
        // Not the text searched for, which may be a person's name.
        if filter.containing.is_some() {
            ", searched"
        } else {
            ""
        }
    );

    let store = state.store.clone();
    let (chunks_out, chunks_in) = tokio::sync::mpsc::channel::<Bytes>(8);
    let (campaign_id, actor) = (campaign.id, caller.id);
    let pages = pledger_pages(&state, &campaign);
    tokio::spawn(async move {
        let mut rows = store.export_signatures(campaign_id, filter);
        let mut sent = 0u64;
        let mut buffer = match format {
            // A byte-order mark first: without it, Excel on Windows reads UTF-8 as its own code
            // page, and "Siân" opens as "SiÃ¢n".
            ExportFormat::Csv => [&b"\xEF\xBB\xBF"[..], &csv_line(EXPORT_COLUMNS)].concat(),
            ExportFormat::Ndjson => Vec::new(),
        };
        let mut complete = true;
        while let Some(row) = rows.next().await {
            match row {
                Ok(record) => {
                    match format {
                        ExportFormat::Csv => {
                            buffer.extend(csv_line(csv_cells(&record, pages.as_deref())))
                        }
                        ExportFormat::Ndjson => {
                            serde_json::to_writer(
                                &mut buffer,
                                &SignatureView::of(&record, pages.as_deref()),
                            )
                            .expect("writing to memory");
                            buffer.push(b'\n');
                        }
                    }
                    sent += 1;
                    // Send in chunks of about 32 KiB: few enough writes, little held at once.
                    if buffer.len() >= 32 * 1024
                        && chunks_out
                            .send(Bytes::from(std::mem::take(&mut buffer)))
                            .await
                            .is_err()
                    {
                        complete = false;
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "an export stopped early");
                    complete = false;
                    break;
                }
            }
        }
        if complete && !buffer.is_empty() && chunks_out.send(Bytes::from(buffer)).await.is_err() {
            complete = false;
        }
        let detail = if complete {
            detail
        } else {
            format!("{detail} (stopped early)")
        };
        crate::audit::record(
            store.as_ref(),
            Some(actor),
            "export",
            campaign_id,
            None,
            sent,
            detail,
        )
        .await;
    });
    let body = futures_util::stream::unfold(chunks_in, |mut chunks| async move {
        chunks
            .recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), chunks))
    });

    let (content_type, extension) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8; header=present", "csv"),
        ExportFormat::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    let filename = format!(
        "{}-signatures-{}.{extension}",
        campaign.slug,
        store::now().format("%Y-%m-%d")
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    review: String,
}

/// `PATCH /v1/campaigns/{slug}/signatures/{id}`: approve or reject a signature.
pub async fn review(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
    ApiJson(body): ApiJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let review = organisers_review(&body.review)?;
    let record = state
        .store
        .review_signature(campaign.id, id, review, store::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    state.live.changed(campaign.id);
    crate::audit::record(
        state.store.as_ref(),
        Some(caller.id),
        "review",
        campaign.id,
        Some(id),
        1,
        format!("review set to {review}"),
    )
    .await;
    Ok(HttpResponse::Ok().json(SignatureView::of(
        &record,
        pledger_pages(&state, &campaign).as_deref(),
    )))
}

/// The most signatures a review of many takes by id (a page of the console is at most 500);
/// more are selected by a filter.
const MAX_IDS_PER_REVIEW: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewManyRequest {
    #[serde(default, deserialize_with = "present")]
    ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "present_object")]
    filter: Option<SelectionFilter>,
    review: String,
}

/// A review an organiser may give: `held` is the service's to give (a signature sent without
/// its proof of work), not an organiser's decision.
fn organisers_review(raw: &str) -> Result<Review, ApiError> {
    match raw.parse() {
        Ok(Review::Held) | Err(_) => Err(ApiError::field(
            "review",
            "must be one of: pending, approved, rejected",
        )),
        Ok(review) => Ok(review),
    }
}

/// `POST /v1/campaigns/{slug}/signatures/review`: approve or reject many signatures at once,
/// chosen by id or by a filter; answers how many changed and, to undo it, the review each
/// had before.
pub async fn review_many(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<ReviewManyRequest>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    // `held` as well, so that undoing a review puts held signatures back on hold.
    let review: Review = body.review.parse().map_err(|_| {
        ApiError::field(
            "review",
            "must be one of: pending, approved, rejected, held",
        )
    })?;
    let (selection, chosen) = match (body.ids, body.filter) {
        (Some(ids), None) if ids.is_empty() => {
            return Err(ApiError::field("ids", "must name at least one signature"));
        }
        (Some(ids), None) if ids.len() > MAX_IDS_PER_REVIEW => {
            return Err(ApiError::field(
                "ids",
                format!(
                    "must name at most {MAX_IDS_PER_REVIEW} signatures: choose more with a filter"
                ),
            ));
        }
        (Some(ids), None) => (ReviewSelection::Ids(ids), "chosen one by one"),
        (None, Some(filter)) => (
            ReviewSelection::Matching(filter.filter("filter.")?),
            "chosen by a filter",
        ),
        _ => {
            return Err(ApiError::field(
                "ids",
                "give either ids or a filter, not both nor neither",
            ));
        }
    };
    let changed = state
        .store
        .review_signatures(campaign.id, selection, review, store::now())
        .await?;
    if !changed.is_empty() {
        state.live.changed(campaign.id);
        crate::audit::record(
            state.store.as_ref(),
            Some(caller.id),
            "review",
            campaign.id,
            None,
            changed.len() as u64,
            format!(
                "review set to {review} for {} signatures {chosen}",
                changed.len()
            ),
        )
        .await;
    }
    let mut previous: Vec<(Review, Vec<Uuid>)> = Vec::new();
    for reviewed in &changed {
        match previous.iter_mut().find(|(r, _)| *r == reviewed.previous) {
            Some((_, ids)) => ids.push(reviewed.id),
            None => previous.push((reviewed.previous, vec![reviewed.id])),
        }
    }
    Ok(HttpResponse::Ok().json(json!({
        "changed": changed.len(),
        "review": review,
        "previous": previous
            .iter()
            .map(|(review, ids)| json!({"review": review, "ids": ids}))
            .collect::<Vec<_>>(),
    })))
}

/// `DELETE /v1/campaigns/{slug}/signatures/{id}`: erase a signer's personal data on request.
pub async fn erase(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    // Read before the erasure, which takes their name: what the hand-ins listed of them.
    let listed = crate::handins::listed_in_handins(state.store.as_ref(), &campaign, id).await?;
    if !state
        .store
        .erase_signature(campaign.id, id, store::now())
        .await?
    {
        return Err(ApiError::NotFound);
    }
    if let Some(signer) = listed {
        crate::handins::redact_signer(
            state.store.as_ref(),
            &campaign,
            &signer,
            crate::handins::Departure::ErasedOnRequest,
            Some(caller.id),
        )
        .await?;
    }
    state.outbox_files.forget_signature(id).await;
    state.live.changed(campaign.id);
    crate::audit::record(
        state.store.as_ref(),
        Some(caller.id),
        "erase",
        campaign.id,
        Some(id),
        1,
        "personal data erased on request".into(),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

/// Every list pages the same way: `after` (the `next_after` of the page before) and `limit`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/campaigns/{slug}/signatories`: who signed, as the public may see it.
pub async fn signatories(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = super::campaigns::visible_campaign(&state, &slug, None, store::now()).await?;
    // The cursor is where the next page starts in the list's order (organisations first,
    // then by time of signing); opaque to clients, who only pass back `next_after`.
    let start: u64 = match query.after.as_deref() {
        None => 0,
        Some(after) => after
            .parse()
            .map_err(|_| ApiError::field("after", "must be the next_after of the page before"))?,
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let rows = state
        .store
        .public_signatories(campaign.id, campaign.kind.lists_signatories(), start, limit)
        .await?;
    let pages = pledger_pages(&state, &campaign);
    let next = (rows.len() == limit as usize).then(|| (start + u64::from(limit)).to_string());
    Ok(HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=30"))
        .json(json!({ "signatories": rows.iter().map(|s| SignatoryView::of(s, pages.as_deref())).collect::<Vec<_>>(), "next_after": next })))
}

/// `GET /v1/campaigns/{slug}/letter`: the letter (or petition) as it is handed in, with its
/// public signatories (for a letter, those approved), organisations first, as printable HTML
/// or (with `Accept: text/markdown`) Markdown. A draft's owner sees how it will read.
pub async fn letter(
    req: HttpRequest,
    MaybeOrganiser(viewer): MaybeOrganiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign =
        super::campaigns::visible_campaign(&state, &slug, viewer.as_ref(), store::now()).await?;
    let signatories =
        crate::letter::all_public_signatories(state.store.as_ref(), &campaign).await?;
    let markdown = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/markdown"));
    let (body, content_type) = if markdown {
        (
            crate::letter::letter_markdown(&campaign, &signatories),
            "text/markdown; charset=utf-8",
        )
    } else {
        let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
        (
            crate::letter::letter_html(&state.templates, &campaign, &signatories, &organiser)?,
            "text/html; charset=utf-8",
        )
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::VARY, "Accept"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The `next_after` of the page before: the entries after it in the log's order (newest
    /// first), so older ones.
    after: Option<Uuid>,
    limit: Option<u32>,
    /// Only this campaign's entries, by slug.
    campaign: Option<String>,
    /// Only this action's entries.
    action: Option<String>,
}

/// `GET /v1/campaigns/{slug}/signatures/count`: the counts as the campaign's organisers see
/// them, pending signatures included.
pub async fn private_count(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let counts = state.store.campaign_count(campaign.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "total": counts.total(),
            "organisations": counts.confirmed_organisations,
            "individuals": counts.confirmed_individuals,
            "pending": counts.pending,
            "updated_at": counts.updated_at,
        })))
}

/// `GET /v1/audit`: the audit log, newest first, for admins.
pub async fn audit_log(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let action = match query.action.as_deref() {
        Some(action) if !crate::audit::ACTIONS.contains(&action) => {
            return Err(ApiError::field(
                "action",
                format!("must be one of: {}", crate::audit::ACTIONS.join(", ")),
            ));
        }
        action => action.map(str::to_owned),
    };
    let campaign = query
        .campaign
        .as_deref()
        .map(Slug::parse)
        .transpose()
        .map_err(|m| ApiError::field("campaign", m))?;
    // A slug no campaign has simply matches no entry.
    let filter = store::AuditFilter { campaign, action };
    let entries = state.store.audit_log(filter, query.after, limit).await?;
    let next = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.entry.id))
        .flatten();
    Ok(HttpResponse::Ok().json(json!({ "entries": entries.iter().map(AuditEntryView::from).collect::<Vec<_>>(), "next_after": next })))
}
