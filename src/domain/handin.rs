//! Hand-ins: a campaign's decision-makers, and the bundle handed to them, frozen with a
//! manifest of its files' SHA-256 so that anyone given it can check it is the one handed in.

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Email, FieldErrors, ShortText};

/// Someone a campaign is addressed to: the Children's Minister, a director of children's
/// services, an MP. The email is used to deliver a hand-in and is never shown in public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionMaker {
    pub name: ShortText,
    pub role: ShortText,
    pub email: Option<Email>,
}

impl DecisionMaker {
    pub const MAX: usize = 20;

    /// A list as an organiser gives it, each part at fault named `targets[i].part`.
    pub fn parse_list(
        raw: &[(String, String, Option<String>)],
        e: &mut FieldErrors,
    ) -> Option<Vec<DecisionMaker>> {
        if raw.len() > Self::MAX {
            e.check::<()>(
                "targets",
                Err(format!("may list at most {} decision-makers", Self::MAX)),
            );
            return None;
        }
        let mut all = Vec::with_capacity(raw.len());
        let mut whole = true;
        for (i, (name, role, email)) in raw.iter().enumerate() {
            let name = e.check(&format!("targets[{i}].name"), ShortText::parse(name));
            let role = e.check(&format!("targets[{i}].role"), ShortText::parse(role));
            let email = e.check_optional(
                &format!("targets[{i}].email"),
                email.as_deref().filter(|v| !v.trim().is_empty()),
                Email::parse,
            );
            match (name, role, email) {
                (Some(name), Some(role), Some(email)) => {
                    all.push(DecisionMaker { name, role, email })
                }
                _ => whole = false,
            }
        }
        whole.then_some(all)
    }
}

/// One file of a bundle, with its digest.
#[derive(Debug, Clone, Serialize)]
pub struct BundledFile {
    pub name: String,
    pub sha256: String,
    pub bytes: usize,
}

/// A bundle's files, in order, and the zip holding them with the manifest.
pub struct Bundle {
    pub manifest: String,
    pub manifest_sha256: String,
    pub zip: Vec<u8>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Bundle {
    /// Zips `files` with `manifest.json`, which `manifest` writes from the files' digests.
    pub fn pack(
        files: &[(&str, Vec<u8>)],
        manifest: impl FnOnce(Vec<BundledFile>) -> serde_json::Value,
    ) -> anyhow::Result<Self> {
        let listed: Vec<BundledFile> = files
            .iter()
            .map(|(name, bytes)| BundledFile {
                name: (*name).to_owned(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len(),
            })
            .collect();
        let manifest = serde_json::to_string_pretty(&manifest(listed))?;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files
            .iter()
            .map(|(n, b)| (*n, b.as_slice()))
            .chain([("manifest.json", manifest.as_bytes())])
        {
            zip.start_file(name, options)?;
            zip.write_all(bytes)?;
        }
        let zip = zip.finish()?.into_inner();
        Ok(Self {
            manifest_sha256: sha256_hex(manifest.as_bytes()),
            manifest,
            zip,
        })
    }

    /// The bundle `zip` with every `(text, by)` of `replacements` replaced in its files, and a
    /// manifest that gives the files' new digests and adds `redaction` (with the SHA-256 of
    /// the manifest it replaces) to its `redactions`; `None` if no file held any of the texts.
    pub fn redacted(
        zip: &[u8],
        replacements: &[(String, String)],
        mut redaction: serde_json::Value,
    ) -> anyhow::Result<Option<Self>> {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))?;
        let mut files = Vec::new();
        let mut manifest = serde_json::Value::Null;
        let mut changed = false;
        for i in 0..archive.len() {
            let mut file = archive.by_index(i)?;
            let name = file.name()?.to_string();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            if name == "manifest.json" {
                redaction["manifest_sha256_before"] = sha256_hex(&bytes).into();
                manifest = serde_json::from_slice(&bytes)?;
                continue;
            }
            let mut text = String::from_utf8(bytes)?;
            for (from, to) in replacements {
                if !from.is_empty() && text.contains(from.as_str()) {
                    text = text.replace(from.as_str(), to);
                    changed = true;
                }
            }
            files.push((name, text.into_bytes()));
        }
        if !changed {
            return Ok(None);
        }
        let named: Vec<(&str, Vec<u8>)> = files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.clone()))
            .collect();
        Self::pack(&named, |listed| {
            manifest["files"] = serde_json::to_value(listed).unwrap_or_default();
            match manifest["redactions"].as_array_mut() {
                Some(redactions) => redactions.push(redaction),
                None => manifest["redactions"] = serde_json::json!([redaction]),
            }
            manifest
        })
        .map(Some)
    }
}

/// What an update to signers is: an outcome (the decision-maker's answer, the campaign's
/// result) goes to every confirmed signer; news only to those who agreed to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    Outcome,
    News,
}

text_enum!(UpdateKind {
    UpdateKind::Outcome => "outcome",
    UpdateKind::News => "news",
});
