//! What the JSON API and the pages share of HTTP: reading bodies, CORS and who may post a
//! signing form, who is signing, and the cache of built pages.

pub mod auth;
pub mod cors;
pub mod extract;
pub mod signer;
