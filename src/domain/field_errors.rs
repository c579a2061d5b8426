use serde::Serialize;

/// One rejected input field: the name the client used and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// The fault as a person reads it beside the field's `label`: most messages complete a
    /// sentence that starts with the field ("Full name is required"); one that starts with a
    /// capital is a sentence of its own ("Enter an email address, like name@example.org").
    pub fn beside(&self, label: &str) -> String {
        if self.message.starts_with(|c: char| c.is_ascii_uppercase()) {
            self.message.clone()
        } else {
            format!("{label} {}", self.message)
        }
    }

    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects the errors of every field of a request, so the client learns all of them at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Records the error of one field's parse, if any, and hands back the parsed value.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Like `check`, for a field that may be absent.
    pub fn check_optional<R, T>(
        &mut self,
        field: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(raw) => self.check(field, parse(raw)).map(Some),
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// A parse refused with every field at fault once: those the request held with the wrong type
/// (`faults`, found while reading it), then those the parse found among the others.
pub fn with_faults<T>(
    parsed: Result<T, Vec<FieldError>>,
    mut faults: Vec<FieldError>,
) -> Result<T, Vec<FieldError>> {
    match parsed {
        Ok(value) if faults.is_empty() => Ok(value),
        Ok(_) => Err(faults),
        Err(found) => {
            for error in found {
                if !faults.iter().any(|f| f.field == error.field) {
                    faults.push(error);
                }
            }
            Err(faults)
        }
    }
}
