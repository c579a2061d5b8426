//! Undersigned: petitions and sign-on letters for campaigning coalitions.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod config;
pub mod counts;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod limits;
pub mod mail;
pub mod markdown;
pub mod metrics;
pub mod pledges;
pub mod retention;
pub mod routes;
pub mod selfcheck;
pub mod signing;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod updates;
pub mod webhooks;
