//! The one renderer of everything a person reads: pages, emails and the SVG pictures, from the
//! templates in `templates/` (compiled into the binary). `.html` and `.svg` templates escape
//! every value they print unless it is marked safe (sanitised Markdown only); `.txt` ones print
//! it as it is. A variable a template uses that its context lacks is an error, not an empty
//! string, so a renamed field cannot silently vanish from a page.
//!
//! Words come from the Fluent files through `t(id, name=value, …)`, in the context's `lang`.
//!
//! An operator may restyle without recompiling (`UNDERSIGNED_THEME_DIR`): `theme.css`, and
//! replacements for the layouts and partials named in `OVERRIDABLE` (never a page's body).
//! Each replacement is rendered against a sample at start; one that fails is reported and the
//! built-in one kept.

use std::path::Path;

use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use serde::Serialize;

use crate::domain::{Identity, Lang};
use crate::i18n;

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

/// Every template, by the name others refer to it by.
pub const BUILTIN: &[(&str, &str)] = builtin![
    "layouts/page.html",
    "layouts/embed.html",
    "layouts/email.html",
    "layouts/email.txt",
    "partials/signing_form.html",
    "partials/fields.html",
    "partials/signing.html",
    "partials/count.html",
    "partials/share.html",
    "partials/organiser.html",
    "partials/language.html",
    "partials/brand.html",
    "partials/map.html",
    "pages/campaign.html",
    "pages/index.html",
    "pages/form.html",
    "pages/form_not_found.html",
    "pages/message.html",
    "pages/pledger.html",
    "pages/letter.html",
    "pages/version.html",
    "pages/thanks.html",
    "pages/about_data.html",
    "mp/letter.html",
    "mp/email.txt",
    "snippets/script.html",
    "snippets/iframe.html",
    "snippets/badge.html",
    "images/count_badge.svg",
    "images/pledge_badge.svg",
    "images/preview.svg",
    "emails/confirm/subject.txt",
    "emails/confirm/body.txt",
    "emails/confirm/body.html",
    "emails/parent/subject.txt",
    "emails/parent/body.txt",
    "emails/parent/body.html",
    "emails/thanks/subject.txt",
    "emails/thanks/body.txt",
    "emails/thanks/body.html",
    "emails/already_signed/subject.txt",
    "emails/already_signed/body.txt",
    "emails/already_signed/body.html",
    "emails/renew/subject.txt",
    "emails/renew/body.txt",
    "emails/renew/body.html",
    "emails/update/subject.txt",
    "emails/update/body.txt",
    "emails/update/body.html",
    "emails/badge/subject.txt",
    "emails/badge/body.txt",
    "emails/badge/body.html",
    "emails/handin/subject.txt",
    "emails/handin/body.txt",
    "emails/handin/body.html",
    "emails/invitation/subject.txt",
    "emails/invitation/body.txt",
    "emails/invitation/body.html",
    "emails/reset/subject.txt",
    "emails/reset/body.txt",
    "emails/reset/body.html",
];

/// What an operator's theme may replace: the frames and the shared pieces, never a page's
/// own body (those change with each release, and a stale copy would hide what changed).
pub const OVERRIDABLE: &[&str] = &[
    "layouts/page.html",
    "layouts/embed.html",
    "layouts/email.html",
    "layouts/email.txt",
    "partials/count.html",
    "partials/share.html",
    "partials/organiser.html",
    "partials/language.html",
    "partials/brand.html",
];

/// `templates/snippets/badge.html`: the badge a pledger pastes into its own site, linking to
/// its verification page at `url`; the pledger's page and its approval email both give it.
#[derive(Serialize)]
pub struct BadgeSnippet<'a> {
    pub lang: Lang,
    pub url: &'a str,
    pub name: &'a str,
    pub title: &'a str,
}

/// Who is asking, as pages, the form and emails name them.
#[derive(Serialize, Clone, Default)]
pub struct OrganiserView {
    pub name: Option<String>,
    pub privacy_url: Option<String>,
    pub contact_email: Option<String>,
}

impl From<&Identity> for OrganiserView {
    fn from(identity: &Identity) -> Self {
        Self {
            name: identity.name.as_ref().map(|n| n.as_str().to_owned()),
            privacy_url: identity.privacy_url.as_ref().map(|u| u.as_str().to_owned()),
            contact_email: identity
                .contact_email
                .as_ref()
                .map(|e| e.as_str().to_owned()),
        }
    }
}

/// The compiled templates, and the operator's stylesheet if there is one.
pub struct Templates {
    env: Environment<'static>,
    theme_css: Option<String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::builtin()
    }
}

/// Escapes text for HTML and SVG: the five characters that could end a text or an
/// attribute. (minijinja's own escaping also writes `/` as `&#x2f;`, which would make every
/// address on a page unreadable to anyone viewing its source.)
fn escape_into(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let entity = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[start..i])?;
        out.write_str(entity)?;
        start = i + 1;
    }
    out.write_str(&text[start..])
}

/// Text as a template's `{{ }}` prints it in HTML: for finding what a page shows.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text).expect("writing to a string");
    out
}

fn format_value(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), Error> {
    let escaping = matches!(state.auto_escape(), AutoEscape::Html);
    let failed = |_| Error::new(ErrorKind::WriteFailure, "could not write");
    if value.is_none() {
        return Ok(());
    }
    match (escaping && !value.is_safe(), value.as_str()) {
        (true, Some(text)) => escape_into(out, text).map_err(failed),
        (true, None) => escape_into(out, &value.to_string()).map_err(failed),
        (false, _) => minijinja::escape_formatter(out, state, value),
    }
}

fn auto_escape(name: &str) -> AutoEscape {
    if name.ends_with(".html") || name.ends_with(".svg") {
        AutoEscape::Html
    } else {
        AutoEscape::None
    }
}

/// `t("id", name=value, …)`: the message in the context's `lang`.
fn translate(state: &State<'_, '_>, id: &str, args: Kwargs) -> Result<String, Error> {
    let lang = state
        .lookup("lang")
        .and_then(|l| l.as_str().and_then(|l| l.parse::<Lang>().ok()))
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, "t() needs `lang`"))?;
    let mut values: Vec<(String, i18n::Arg)> = Vec::new();
    for name in args.args() {
        let value: Value = args.get(name)?;
        let arg = match value.as_i64() {
            Some(n) if value.is_number() => i18n::Arg::Number(n),
            _ => i18n::Arg::Text(value.to_string()),
        };
        values.push((name.to_owned(), arg));
    }
    args.assert_all_used()?;
    let borrowed: Vec<(&str, i18n::Arg)> = values
        .iter()
        .map(|(name, arg)| (name.as_str(), arg.clone()))
        .collect();
    Ok(i18n::text_with(lang, id, &borrowed))
}

/// 12345 → "12,345" (in templates, `n|thousands`).
pub fn with_separators(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(auto_escape);
    env.set_formatter(format_value);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_function("t", translate);
    env.add_filter("thousands", with_separators);
    env
}

impl Templates {
    /// The templates as built in.
    pub fn builtin() -> Self {
        let mut env = environment();
        for (name, source) in BUILTIN {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("templates/{name}: {e:#}"));
        }
        Self {
            env,
            theme_css: None,
        }
    }

    /// The built-in templates with an operator's replacements from `dir`, each kept only if
    /// it compiles and renders the built-in samples that use it.
    pub fn with_theme(dir: &Path, check: fn(&Templates) -> anyhow::Result<()>) -> Self {
        let mut templates = Self::builtin();
        match std::fs::read_to_string(dir.join("theme.css")) {
            Ok(css) => templates.theme_css = Some(css),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "the theme's theme.css could not be read"),
        }
        for name in OVERRIDABLE {
            let path = dir.join(name);
            let source = match std::fs::read_to_string(&path) {
                Ok(source) => source,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    tracing::warn!(template = name, error = %e, "a theme template could not be read; the built-in one is used");
                    continue;
                }
            };
            let candidate = match Self::with_replaced(name, &source) {
                Ok(candidate) => candidate,
                Err(e) => {
                    tracing::warn!(template = name, error = %format!("{e:#}"), "a theme template does not compile; the built-in one is used");
                    continue;
                }
            };
            match check(&candidate) {
                Ok(()) => {
                    templates
                        .env
                        .add_template_owned(name.to_string(), source)
                        .expect("compiled above");
                    tracing::info!(template = name, "the theme replaces a template");
                }
                Err(e) => {
                    tracing::warn!(template = name, error = %format!("{e:#}"), "a theme template does not render; the built-in one is used")
                }
            }
        }
        templates
    }

    /// The built-in templates with `name` replaced by `source`.
    fn with_replaced(name: &str, source: &str) -> Result<Self, minijinja::Error> {
        let mut env = environment();
        for (builtin, text) in BUILTIN {
            let text = if *builtin == name { source } else { text };
            env.add_template_owned(builtin.to_string(), text.to_owned())?;
        }
        Ok(Self {
            env,
            theme_css: None,
        })
    }

    /// Renders `name` with `context`. A template that fails is a bug of ours (or a theme's,
    /// caught at start): the error names the template and the line.
    pub fn render(&self, name: &str, context: &impl Serialize) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        template
            .render(context)
            .map_err(|e| anyhow::anyhow!("templates/{name}: {e:#}"))
    }

    /// The operator's stylesheet, added after the form's and the pages' own.
    pub fn theme_css(&self) -> Option<&str> {
        self.theme_css.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids a template names literally: `t("id"` and `t('id'`.
    fn ids_used(source: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for quote in ['"', '\''] {
            let opening = format!("t({quote}");
            for (at, _) in source.match_indices(&opening) {
                // Not the end of another name (`format(`, `list(`).
                let before = source[..at].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &source[at + opening.len()..];
                if let Some(end) = rest.find(quote) {
                    // `t("field-" ~ name)` composes an id: its prefix is recorded as `field-*`.
                    let composed = rest[end + 1..].trim_start().starts_with('~');
                    let id = &rest[..end];
                    ids.push(if composed {
                        format!("{id}*")
                    } else {
                        id.to_owned()
                    });
                }
            }
        }
        ids
    }

    #[test]
    fn every_message_a_template_uses_exists_in_english_and_welsh() {
        let mut checked = 0;
        for (name, source) in BUILTIN {
            for id in ids_used(source) {
                for lang in Lang::ALL {
                    let known = i18n::message_ids(i18n::source(lang));
                    let found = match id.strip_suffix('*') {
                        Some(prefix) => known.iter().any(|k| k.starts_with(prefix)),
                        None => known.contains(&id),
                    };
                    assert!(
                        found,
                        "templates/{name} uses {id}, which locales/{lang} lacks"
                    );
                }
                checked += 1;
            }
        }
        assert!(
            checked > 50,
            "only {checked} ids were found: the scan is broken"
        );
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let mut env = environment();
        env.add_template("a.html", "<p title=\"{{ x }}\">{{ x }}</p>")
            .unwrap();
        env.add_template("a.txt", "{{ x }}").unwrap();
        let typed = "<script>\"Tom & Jerry's\"</script> {{ x }} a/b";
        let html = env
            .get_template("a.html")
            .unwrap()
            .render(minijinja::context! { x => typed })
            .unwrap();
        assert_eq!(
            html,
            "<p title=\"&lt;script&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/script&gt; {{ x }} a/b\">\
             &lt;script&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/script&gt; {{ x }} a/b</p>"
        );
        let text = env
            .get_template("a.txt")
            .unwrap()
            .render(minijinja::context! { x => typed })
            .unwrap();
        assert_eq!(text, typed);
    }

    #[test]
    fn a_variable_the_context_lacks_is_an_error() {
        let mut env = environment();
        env.add_template("a.html", "{{ missing }}").unwrap();
        assert!(
            env.get_template("a.html")
                .unwrap()
                .render(minijinja::context! {})
                .is_err()
        );
    }

    #[test]
    fn every_built_in_template_compiles() {
        let templates = Templates::builtin();
        assert_eq!(templates.env.templates().count(), BUILTIN.len());
    }
}
