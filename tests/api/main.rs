//! The integration suite: the real server, bound to port 0, on a database of its own per test.
//! `TEST_DATABASE_URL` picks the backend: unset (or `sqlite:`) for a SQLite file in a temporary
//! directory, `postgres://…` for a fresh PostgreSQL database created on that server and
//! dropped afterwards.

mod helpers;

mod accounts;
mod areas;
mod brand;
mod browser;
mod browser_brand;
mod browser_everyone;
mod campaigns;
mod console;
mod contract;
mod counts;
mod crash;
mod embed;
mod errors;
mod escaping;
mod everyone;
mod fuzz;
mod handins;
mod hardening;
mod health;
mod integrity;
mod invitations;
mod layers;
mod mail;
mod operations;
mod organiser;
mod outage;
mod pages;
mod paper;
mod partners;
mod pledges;
mod reasons;
mod sessions;
mod setup;
mod signatories;
mod signing;
mod smtp;
mod snapshots;
mod tokens;
mod updates;
mod versions;
mod webhooks;
