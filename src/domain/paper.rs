//! Signatures collected on paper (at events, in schools) and entered by staff: each line of a
//! sheet, parsed whole or refused naming the entry and field at fault.

use chrono::{Datelike, NaiveDate};

use super::{AgeBand, Email, FieldError, FieldErrors, PersonName, Postcode, ShortText};

/// At most this many entries in one request.
pub const MAX_PAPER_ENTRIES: usize = 1_000;

/// One signature from a paper sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperEntry {
    pub name: PersonName,
    /// Only the district, for a young signer.
    pub postcode: Postcode,
    /// Where the sheet asked for one; signing once per email holds across paper and online.
    pub email: Option<Email>,
    /// Ticked on the sheet: may the organisers email them (only with an email, never a child).
    pub contact: bool,
    /// Ticked on the sheet: may their name be listed (never a child).
    pub public: bool,
    /// The sheet's reference, as written on it.
    pub sheet: ShortText,
    pub collected_on: NaiveDate,
    pub age_band: Option<AgeBand>,
    /// For a child under 13: a parent or carer signed the sheet too.
    pub parent_signed: bool,
}

/// One entry as sent (JSON or a CSV row), before parsing.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperEntryForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub postcode: String,
    pub email: Option<String>,
    #[serde(default)]
    pub contact: bool,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub sheet: String,
    #[serde(default)]
    pub collected_on: String,
    pub age_band: Option<String>,
    #[serde(default)]
    pub parent_signed: bool,
}

impl PaperEntry {
    /// Parses entry `i`, naming its faults `entries[i].<field>`; `today` bounds the date.
    pub fn parse(
        i: usize,
        form: PaperEntryForm,
        today: NaiveDate,
    ) -> Result<Self, Vec<FieldError>> {
        let at = |field: &str| format!("entries[{i}].{field}");
        let mut errors = FieldErrors::default();
        let name = errors.check(&at("name"), PersonName::parse(&form.name));
        let postcode = errors.check(&at("postcode"), Postcode::parse(&form.postcode));
        let email = form
            .email
            .filter(|e| !e.trim().is_empty())
            .and_then(|e| errors.check(&at("email"), Email::parse(&e)).map(Some))
            .flatten();
        let sheet = errors.check(&at("sheet"), ShortText::parse(&form.sheet));
        let collected_on = errors.check(
            &at("collected_on"),
            NaiveDate::parse_from_str(form.collected_on.trim(), "%Y-%m-%d")
                .map_err(|_| "must be a date like 2026-11-28".to_string())
                .and_then(|d| {
                    if d > today {
                        Err("must not be in the future".to_string())
                    } else if d.year_ce().1 < 2000 {
                        Err("must be a date this century".to_string())
                    } else {
                        Ok(d)
                    }
                }),
        );
        let age_band = form
            .age_band
            .filter(|b| !b.trim().is_empty())
            .and_then(|b| {
                errors
                    .check(&at("age_band"), b.trim().parse::<AgeBand>())
                    .map(Some)
            })
            .flatten();
        let young = age_band.is_some_and(AgeBand::is_young);
        if age_band.is_some_and(AgeBand::needs_a_parent) && !form.parent_signed {
            errors.push(FieldError::new(
                at("parent_signed"),
                "is required for a child under 13: a parent or carer must have signed the sheet",
            ));
        }
        if form.contact && email.is_none() {
            errors.push(FieldError::new(
                at("contact"),
                "needs an email: there is no other way to contact them",
            ));
        }
        if young && (form.contact || form.public) {
            errors.push(FieldError::new(
                at(if form.contact { "contact" } else { "public" }),
                "must be false for a signer under 18: they are never contacted or listed by name",
            ));
        }
        let (Some(name), Some(postcode), Some(sheet), Some(collected_on), true) =
            (name, postcode, sheet, collected_on, errors.is_empty())
        else {
            let mut found = errors.into_vec();
            found.sort_by(|a, b| a.field.cmp(&b.field));
            return Err(found);
        };
        Ok(Self {
            name,
            postcode: if young { postcode.district() } else { postcode },
            email,
            contact: form.contact,
            public: form.public,
            sheet,
            collected_on,
            age_band,
            parent_signed: form.parent_signed,
        })
    }

    /// Every entry, every fault at once.
    pub fn parse_all(
        forms: Vec<PaperEntryForm>,
        today: NaiveDate,
    ) -> Result<Vec<Self>, Vec<FieldError>> {
        if forms.is_empty() || forms.len() > MAX_PAPER_ENTRIES {
            return Err(vec![FieldError::new(
                "entries",
                format!("must hold 1 to {MAX_PAPER_ENTRIES} entries"),
            )]);
        }
        let mut entries = Vec::with_capacity(forms.len());
        let mut errors = Vec::new();
        for (i, form) in forms.into_iter().enumerate() {
            match Self::parse(i, form, today) {
                Ok(entry) => entries.push(entry),
                Err(found) => errors.extend(found),
            }
        }
        if errors.is_empty() {
            Ok(entries)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn form() -> PaperEntryForm {
        PaperEntryForm {
            name: "Gwenllian Pryce".into(),
            postcode: "ll57 2dg".into(),
            sheet: "Bangor school visit, sheet 3".into(),
            collected_on: "2026-11-28".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_entry_is_parsed_and_a_child_keeps_only_the_district() {
        let entry = PaperEntry::parse(0, form(), today()).unwrap();
        assert_eq!(entry.postcode.as_str(), "LL57 2DG");
        let child = PaperEntry::parse(
            0,
            PaperEntryForm {
                age_band: Some("under-13".into()),
                parent_signed: true,
                ..form()
            },
            today(),
        )
        .unwrap();
        assert_eq!(child.postcode.as_str(), "LL57");
    }

    #[test]
    fn faults_name_the_entry_and_field() {
        let fields = |forms: Vec<PaperEntryForm>| {
            PaperEntry::parse_all(forms, today())
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(vec![
                form(),
                PaperEntryForm {
                    name: "".into(),
                    collected_on: "2027-01-01".into(),
                    contact: true,
                    ..form()
                },
                PaperEntryForm {
                    age_band: Some("under-13".into()),
                    public: true,
                    ..form()
                },
            ]),
            vec![
                "entries[1].collected_on",
                "entries[1].contact",
                "entries[1].name",
                "entries[2].parent_signed",
                "entries[2].public",
            ]
        );
        assert_eq!(fields(vec![]), vec!["entries"]);
    }
}
