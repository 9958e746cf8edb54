//! Users' passwords for the consent page's sign-in (issue 16, API-DESIGN
//! 196): argon2id hashes only, hashed and checked off the async threads.

use super::Directory;
use crate::oauth::{OAuthClient, OAuthError};
use crate::service::oauth::OAuthFailure;
use crate::store::{write, WriteTarget};
use crate::users::UserStatus;
use crate::{Error, OrgId, Result, ZohoId};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// The shortest password accepted.
pub const MIN_LEN: usize = 8;
/// The longest (argon2 takes any length; a bound keeps hashing cheap).
pub const MAX_LEN: usize = 256;

/// A hash of a password nobody has, checked when the email is unknown so
/// that an unknown email takes as long as a wrong password.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("no one has this password").unwrap_or_default())
}

/// The argon2id PHC string of `password`, with a random salt (slow: call
/// it off the async threads).
pub(crate) fn hash(password: &str) -> Result<String> {
    use rand::RngCore;
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(Error::internal)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string())
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Whether `text` is an argon2id PHC string (`$argon2id$v=19$…`).
pub fn is_phc(text: &str) -> bool {
    PasswordHash::new(text).is_ok_and(|h| h.algorithm.as_str() == "argon2id" && h.hash.is_some())
}

/// Checks a password's length; the message names the rule.
pub fn check(password: &str) -> std::result::Result<(), String> {
    let n = password.chars().count();
    if (MIN_LEN..=MAX_LEN).contains(&n) {
        Ok(())
    } else {
        Err(format!("a password has {MIN_LEN} to {MAX_LEN} characters"))
    }
}

/// Sets `user`'s password (or with `None` removes it: that user can no
/// longer sign in on the consent page).
pub async fn set(dir: &Directory, org: OrgId, user: ZohoId, password: Option<&str>) -> Result<()> {
    let phc = match password {
        Some(p) => {
            check(p).map_err(|m| Error::invalid_field("$.password", m))?;
            let p = p.to_owned();
            Some(
                tokio::task::spawn_blocking(move || hash(&p))
                    .await
                    .map_err(Error::internal)??,
            )
        }
        None => None,
    };
    write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move {
            if tx.user(user).await?.is_none() {
                return Err(Error::invalid_path(4, "no such user"));
            }
            tx.set_password_hash(user, phc.as_deref()).await
        })
    })
    .await
}

/// Signs a user of the client's org in: their id when `email` names an
/// active user whose password is `password`, else `access_denied` (one
/// answer for every failure, in about the same time).
pub async fn sign_in(
    dir: &Directory,
    client: &OAuthClient,
    email: &str,
    password: &str,
) -> std::result::Result<ZohoId, OAuthFailure> {
    let user = dir.store().user_by_email(client.org, email).await?;
    let active = user.filter(|u| u.user.status == UserStatus::Active);
    let stored = match &active {
        Some(u) => dir.store().password_hash(client.org, u.user.id).await?,
        None => None,
    };
    let known = stored.is_some();
    let phc = stored.unwrap_or_else(|| decoy().to_owned());
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .map_err(Error::internal)?;
    match active {
        Some(u) if ok && known => Ok(u.user.id),
        _ => Err(OAuthError::AccessDenied.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong horse", &phc));
        assert!(!verify("correct horse", decoy()));
    }
}
