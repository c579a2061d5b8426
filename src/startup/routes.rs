//! The one list of what the server serves, the JSON API's and the pages' alike, in the order
//! paths are matched; openapi.yaml is checked against it.

use actix_web::http::Method;
use actix_web::{Route, web};

use crate::api::{
    areas, auth, campaigns, console, counts, embed, handins, health, integrity, logos, paper,
    partners, reasons, signatories, signatures, updates, users, webhooks,
};
use crate::error::ApiError;
use crate::web::{about, assets, brand, campaign_pages, form, links, pledger_pages};

pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    route: fn() -> Route,
}

macro_rules! endpoint {
    ($method:ident $path:literal => $handler:path) => {
        Endpoint {
            method: Method::$method,
            path: $path,
            route: || web::route().method(Method::$method).to($handler),
        }
    };
}

/// Every route the server answers, in the order they are matched.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/healthz" => health::healthz),
        endpoint!(GET "/readyz" => health::readyz),
        endpoint!(GET "/metrics" => health::metrics),
        endpoint!(POST "/v1/auth/token" => auth::issue_token),
        endpoint!(POST "/v1/auth/logout" => auth::logout),
        endpoint!(POST "/v1/auth/logout-everywhere" => auth::logout_everywhere),
        endpoint!(GET "/v1/auth/sessions" => auth::sessions),
        endpoint!(POST "/v1/auth/reset" => auth::request_reset),
        endpoint!(POST "/v1/auth/reset/{token}" => auth::reset),
        endpoint!(POST "/v1/invitations" => users::invite),
        endpoint!(POST "/v1/invitations/{token}" => auth::accept_invitation),
        endpoint!(POST "/v1/setup" => users::set_up_first_admin),
        endpoint!(POST "/v1/users" => users::create_user),
        endpoint!(GET "/v1/users" => users::list_users),
        endpoint!(GET "/v1/users/me" => users::me),
        endpoint!(PATCH "/v1/users/me" => users::update_me),
        endpoint!(PUT "/v1/users/me/password" => users::change_password),
        endpoint!(PATCH "/v1/users/{id}" => users::update_user),
        endpoint!(PUT "/v1/users/me/logo" => logos::put_mine),
        endpoint!(DELETE "/v1/users/me/logo" => logos::delete_mine),
        endpoint!(POST "/v1/campaigns" => campaigns::create_campaign),
        endpoint!(GET "/v1/campaigns" => campaigns::list_campaigns),
        endpoint!(GET "/v1/campaigns/{slug}" => campaigns::get_campaign),
        endpoint!(PATCH "/v1/campaigns/{slug}" => campaigns::update_campaign),
        endpoint!(GET "/v1/campaigns/{slug}/versions" => campaigns::versions),
        endpoint!(PUT "/v1/campaigns/{slug}/logo" => logos::put_campaign),
        endpoint!(DELETE "/v1/campaigns/{slug}/logo" => logos::delete_campaign),
        endpoint!(POST "/v1/campaigns/{slug}/signatures" => signatures::sign),
        endpoint!(GET "/v1/campaigns/{slug}/signatures" => signatories::list),
        endpoint!(GET "/v1/campaigns/{slug}/signatures/count" => signatories::private_count),
        endpoint!(GET "/v1/campaigns/{slug}/signatures/export" => signatories::export),
        endpoint!(POST "/v1/campaigns/{slug}/signatures/review" => signatories::review_many),
        endpoint!(PATCH "/v1/campaigns/{slug}/signatures/{id}" => signatories::review),
        endpoint!(DELETE "/v1/campaigns/{slug}/signatures/{id}" => signatories::erase),
        endpoint!(GET "/v1/campaigns/{slug}/signatories" => signatories::signatories),
        endpoint!(GET "/v1/campaigns/{slug}/letter" => signatories::letter),
        endpoint!(GET "/v1/audit" => signatories::audit_log),
        endpoint!(GET "/v1/blocklist" => integrity::service_blocklist),
        endpoint!(PUT "/v1/blocklist" => integrity::put_service_blocklist),
        endpoint!(GET "/v1/campaigns/{slug}/integrity" => integrity::view),
        endpoint!(POST "/v1/campaigns/{slug}/invalidations" => integrity::invalidate),
        endpoint!(GET "/v1/campaigns/{slug}/invalidations" => integrity::list),
        endpoint!(POST "/v1/campaigns/{slug}/invalidations/{id}/restore" => integrity::restore),
        endpoint!(GET "/v1/campaigns/{slug}/blocklist" => integrity::campaign_blocklist),
        endpoint!(POST "/v1/campaigns/{slug}/paper" => paper::enter),
        endpoint!(GET "/v1/campaigns/{slug}/paper" => paper::sheets),
        endpoint!(GET "/v1/campaigns/{slug}/reasons" => reasons::list),
        endpoint!(PATCH "/v1/campaigns/{slug}/reasons/{id}" => reasons::decide),
        endpoint!(POST "/v1/campaigns/{slug}/reasons/{id}/report" => reasons::report),
        endpoint!(PUT "/v1/campaigns/{slug}/blocklist" => integrity::put_campaign_blocklist),
        endpoint!(GET "/v1/campaigns/{slug}/count" => counts::count),
        endpoint!(GET "/v1/campaigns/{slug}/count/stream" => counts::stream),
        endpoint!(GET "/v1/campaigns/{slug}/tally" => counts::tally),
        endpoint!(GET "/v1/campaigns/{slug}/badge.svg" => counts::badge),
        endpoint!(GET "/v1/campaigns/{slug}/constituencies" => areas::constituencies),
        endpoint!(GET "/v1/campaigns/{slug}/senedd" => areas::senedd),
        endpoint!(GET "/v1/campaigns/{slug}/councils" => areas::councils),
        endpoint!(GET "/v1/postcodes/{postcode}" => areas::postcode),
        endpoint!(POST "/v1/campaigns/{slug}/partners" => partners::create),
        endpoint!(GET "/v1/campaigns/{slug}/partners" => partners::list),
        endpoint!(DELETE "/v1/campaigns/{slug}/partners/{code}" => partners::revoke),
        endpoint!(POST "/v1/campaigns/{slug}/handins" => handins::create),
        endpoint!(GET "/v1/campaigns/{slug}/handins" => handins::list),
        endpoint!(GET "/v1/campaigns/{slug}/handins/{id}" => handins::bundle),
        endpoint!(GET "/v1/campaigns/{slug}/mp-letters" => handins::mp_letters),
        endpoint!(POST "/v1/campaigns/{slug}/updates" => updates::create),
        endpoint!(GET "/v1/campaigns/{slug}/updates" => updates::list),
        endpoint!(GET "/v1/campaigns/{slug}/updates/recipients" => updates::recipients),
        endpoint!(GET "/v1/campaigns/{slug}/updates/{id}" => updates::show),
        endpoint!(POST "/v1/campaigns/{slug}/webhooks" => webhooks::create),
        endpoint!(GET "/v1/campaigns/{slug}/webhooks" => webhooks::list),
        endpoint!(DELETE "/v1/campaigns/{slug}/webhooks/{id}" => webhooks::delete),
        endpoint!(POST "/v1/campaigns/{slug}/webhooks/{id}/rotate" => webhooks::rotate),
        endpoint!(POST "/v1/campaigns/{slug}/webhooks/{id}/test" => webhooks::test),
        endpoint!(GET "/v1/campaigns/{slug}/webhooks/{id}/deliveries" => webhooks::deliveries),
        endpoint!(GET "/v1/altcha/challenge" => signatures::altcha_challenge),
        endpoint!(POST "/v1/signatures/confirm" => signatures::confirm),
        endpoint!(POST "/v1/signatures/withdraw" => signatures::withdraw),
        endpoint!(GET "/v1/campaigns/{slug}/embed" => embed::snippets),
        endpoint!(GET "/embed.js" => assets::embed_script),
        endpoint!(GET "/embed/form.js" => assets::form_script),
        endpoint!(GET "/embed/form.css" => assets::form_style),
        endpoint!(GET "/embed/altcha-worker.js" => assets::altcha_worker),
        endpoint!(GET "/embed/{slug}" => form::embed_page),
        endpoint!(POST "/embed/{slug}" => form::embed_submit),
        endpoint!(GET "/confirm/{token}" => links::confirm_page),
        endpoint!(POST "/confirm/{token}" => links::confirm_submit),
        endpoint!(GET "/withdraw/{token}" => links::withdraw_page),
        endpoint!(POST "/withdraw/{token}" => links::withdraw_submit),
        endpoint!(GET "/unsubscribe/{token}" => links::unsubscribe_page),
        endpoint!(POST "/unsubscribe/{token}" => links::unsubscribe),
        endpoint!(GET "/" => campaign_pages::index),
        endpoint!(GET "/closed" => campaign_pages::closed_index),
        endpoint!(GET "/about/data" => about::about_data),
        endpoint!(GET "/page.css" => assets::page_style),
        endpoint!(GET "/page.js" => assets::page_script),
        endpoint!(GET "/c/{slug}" => campaign_pages::campaign_page),
        endpoint!(POST "/c/{slug}" => campaign_pages::campaign_sign),
        endpoint!(GET "/c/{slug}/preview.png" => campaign_pages::preview_png),
        endpoint!(GET "/c/{slug}/preview/{token}" => campaign_pages::draft_preview),
        endpoint!(GET "/c/{slug}/preview/{token}/preview.png" => campaign_pages::draft_preview_png),
        endpoint!(GET "/c/{slug}/preview/{token}/form" => form::draft_preview_form),
        endpoint!(GET "/c/{slug}/brand.css" => brand::stylesheet),
        endpoint!(GET "/c/{slug}/versions/{version}" => campaign_pages::earlier_version),
        endpoint!(GET "/logos/{id}" => brand::logo),
        endpoint!(GET "/c/{slug}/qr.svg" => campaign_pages::qr_svg),
        endpoint!(GET "/c/{slug}/qr.png" => campaign_pages::qr_png),
        endpoint!(GET "/c/{slug}/pledgers/{pledger}" => pledger_pages::verification_page),
        endpoint!(GET "/c/{slug}/pledgers/{pledger}/badge.svg" => pledger_pages::badge),
        endpoint!(GET "/c/{slug}/pledgers/{pledger}/renew/{token}" => pledger_pages::renew_page),
        endpoint!(POST "/c/{slug}/pledgers/{pledger}/renew/{token}" => pledger_pages::renew_submit),
        endpoint!(GET "/console" => console::console_root),
        endpoint!(GET "/console/" => console::console_page),
        endpoint!(GET "/console/setup" => console::console_page),
        endpoint!(GET "/console/invitation" => console::console_page),
        endpoint!(GET "/console/reset" => console::console_page),
        endpoint!(GET "/console/{file}" => console::console_file),
    ]
}

/// One resource per path, with its methods together: a method the path does not serve is
/// answered 405 with `Allow` naming those it does (HTTP's rule, and what a client generated
/// from openapi.yaml expects), not 404.
///
/// Resources are mounted as a tree of scopes by path segment (`/v1`, then `/campaigns`, then
/// `/{slug}`, …) rather than as one flat list: actix matches a request against each service in
/// turn, and a route near the end of a flat list of 80 was measured to cost a third of the
/// throughput of the first (`bench/pages.sh`). Within a level, services keep the table's
/// order, so a static segment still wins over a `{parameter}` listed after it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<Mounted> = Vec::new();
    for endpoint in endpoints() {
        match paths.iter_mut().find(|m| m.path == endpoint.path) {
            Some(mounted) => mounted.served.push(endpoint),
            None => paths.push(Mounted {
                path: endpoint.path,
                rest: endpoint.path.to_owned(),
                served: vec![endpoint],
            }),
        }
    }
    mount(cfg, paths);
}

/// A path's endpoints, and what is left of its path below the scope it is mounted in.
struct Mounted {
    path: &'static str,
    rest: String,
    served: Vec<Endpoint>,
}

/// How few resources a level holds before scoping them further buys nothing.
const FLAT_ENOUGH: usize = 4;

fn mount(cfg: &mut web::ServiceConfig, resources: Vec<Mounted>) {
    if resources.len() <= FLAT_ENOUGH {
        for mounted in resources {
            cfg.service(resource(mounted));
        }
        return;
    }
    // Grouped by their first segment, in the order each segment first appears.
    let mut groups: Vec<(String, Vec<Mounted>)> = Vec::new();
    for mounted in resources {
        let segment = first_segment(&mounted.rest).to_owned();
        match groups.iter_mut().find(|(s, _)| *s == segment) {
            Some((_, group)) => group.push(mounted),
            None => groups.push((segment, vec![mounted])),
        }
    }
    for (segment, group) in groups {
        // A lone resource, or the root (`/`), needs no scope of its own.
        if group.len() == 1 || segment.is_empty() {
            for mounted in group {
                cfg.service(resource(mounted));
            }
            continue;
        }
        let prefix = format!("/{segment}");
        let inner: Vec<Mounted> = group
            .into_iter()
            .map(|m| Mounted {
                rest: m.rest[prefix.len()..].to_owned(),
                ..m
            })
            .collect();
        cfg.service(web::scope(&prefix).configure(move |cfg| mount(cfg, inner)));
    }
}

/// `v1` of `/v1/campaigns`; empty for `/`.
fn first_segment(path: &str) -> &str {
    let path = path.strip_prefix('/').unwrap_or(path);
    path.split('/').next().unwrap_or("")
}

fn resource(mounted: Mounted) -> actix_web::Resource {
    let methods: Vec<&str> = mounted.served.iter().map(|e| e.method.as_str()).collect();
    let allow = methods.join(", ");
    let resource = mounted
        .served
        .iter()
        .fold(web::resource(mounted.rest.as_str()), |resource, e| {
            resource.route((e.route)())
        });
    resource.default_service(web::to(move || {
        let allow = allow.clone();
        async move { Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }
    }))
}

/// Anything the table does not match: a problem, like every other error.
pub async fn no_such_route() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
