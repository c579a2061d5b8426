use secrecy::{ExposeSecret, SecretString};

/// A new password, checked for length only (NIST SP 800-63B: length, not composition rules).
/// The upper bound keeps one hash from costing more than it should.
pub struct Password(SecretString);

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

impl Password {
    pub fn parse(raw: SecretString) -> Result<Self, String> {
        let length = raw.expose_secret().chars().count();
        if length < MIN_PASSWORD_CHARS {
            return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
        }
        if length > MAX_PASSWORD_CHARS {
            return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
        }
        Ok(Self(raw))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_the_rule() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("x".repeat(MAX_PASSWORD_CHARS + 1).into()).is_err());
        assert!(Password::parse("correct horse battery".into()).is_ok());
    }
}
