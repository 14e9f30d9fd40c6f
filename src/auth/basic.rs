//! Basic credentials (RFC 7617 §2): `base64(user-id ":" password)`. Receives
//! the text after the scheme; emits the user name in clear and the password
//! as a [`Secret`]. The user-id cannot contain `:`, so the first colon splits
//! and passwords may contain more colons. Must not put the password or the
//! base64 text anywhere but inside a `Secret`.

use super::anomaly::{note, AuthAnomaly};
use super::util::b64;
use crate::model::{CredentialKind, FingerprintKey, Secret};

/// Decodes Basic credentials.
pub fn parse_basic(
    token: &str,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> CredentialKind {
    let Some(raw) = b64(token) else {
        note(notes, AuthAnomaly::BasicBadBase64);
        return CredentialKind::Malformed {
            reason: AuthAnomaly::BasicBadBase64.code(),
            raw: Secret::new(token, key),
        };
    };
    let text = match String::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            note(notes, AuthAnomaly::BasicNotUtf8);
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    match text.split_once(':') {
        Some((user, password)) => CredentialKind::Basic {
            user: user.to_string(),
            password: Secret::new(password, key),
        },
        None => {
            // Without a colon the whole value may be a token: keep it all secret.
            note(notes, AuthAnomaly::BasicNoColon);
            CredentialKind::Basic {
                user: String::new(),
                password: Secret::new(&text, key),
            }
        }
    }
}
