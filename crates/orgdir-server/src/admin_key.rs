//! The control plane's admin key (API-DESIGN 102, 190): at least
//! [`MIN_LEN`] characters, trimmed, compared in constant time, and a wrong
//! key answered only after [`FAILURE_DELAY`].

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The shortest key `serve` accepts (the generated one has 64 characters).
pub const MIN_LEN: usize = 32;

/// How long a request with a wrong key waits before its 401: only that
/// request waits, so a stranger cannot slow anyone else's calls.
pub const FAILURE_DELAY: Duration = Duration::from_millis(250);

/// A random secret: 32 bytes as 64 hex digits (admin keys, dashboard
/// sessions, CSRF tokens, OAuth `state`).
pub fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Why a configured key is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminKeyError {
    #[error("the admin key has {0} characters; it needs at least {MIN_LEN} (e.g. `openssl rand -hex 32`)")]
    TooShort(usize),
}

/// A configured admin key, trimmed and long enough.
#[derive(Clone)]
pub struct AdminKey(SecretString);

impl AdminKey {
    /// The key `text` names, trimmed; shorter than [`MIN_LEN`] is refused.
    pub fn parse(text: &str) -> Result<Self, AdminKeyError> {
        let trimmed = text.trim();
        let len = trimmed.chars().count();
        if len < MIN_LEN {
            return Err(AdminKeyError::TooShort(len));
        }
        Ok(Self(SecretString::from(trimmed)))
    }

    /// A random key: 32 bytes, 64 hex digits.
    pub fn generate() -> Self {
        Self(SecretString::from(random_secret()))
    }

    /// The key itself, to print once at start-up.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether `presented`, trimmed like the configured key, is the key. Both
    /// sides are hashed first, so neither their length nor the first
    /// differing byte shows in the time taken.
    pub fn matches(&self, presented: &str) -> bool {
        let presented = Sha256::digest(presented.trim().as_bytes());
        let expected = Sha256::digest(self.0.expose_secret().as_bytes());
        presented.ct_eq(&expected).into()
    }
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_key_is_refused() {
        assert_eq!(AdminKey::parse("k").err(), Some(AdminKeyError::TooShort(1)));
        let padded = format!("  {}  ", "a".repeat(31));
        assert_eq!(
            AdminKey::parse(&padded).err(),
            Some(AdminKeyError::TooShort(31))
        );
        assert!(AdminKey::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn both_sides_are_trimmed_alike() {
        let key = AdminKey::parse(&format!(" {} \n", "k".repeat(40))).expect("long enough");
        assert!(key.matches(&"k".repeat(40)));
        assert!(key.matches(&format!("{}  ", "k".repeat(40))));
        assert!(!key.matches(&"k".repeat(39)));
        assert!(!key.matches(""));
    }

    #[test]
    fn the_generated_key_is_long_enough() {
        let key = AdminKey::generate();
        assert!(AdminKey::parse(key.expose()).is_ok());
        assert_eq!(key.expose().len(), 64);
    }
}
