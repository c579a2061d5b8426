//! Undersigned: petitions and sign-on letters for campaigning coalitions.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod campaign_cache;
pub mod config;
pub mod domain;
pub mod error;
pub mod group_commit;
pub mod limits;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod recount;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
