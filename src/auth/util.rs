//! Small shared helpers of the auth parsers: lenient base64, bounded text
//! decoding, HTTP token characters. Pure; must not allocate more than the
//! input size.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Largest header value (bytes) we decode; larger ones are fingerprinted only.
pub const MAX_VALUE: usize = 64 * 1024;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);

/// Standard alphabet, padding optional.
const STD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
/// URL-safe alphabet, padding optional (JWT segments, RFC 7515 §2).
const URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decodes standard base64 with or without padding; `None` when invalid or too large.
pub fn b64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() > MAX_VALUE {
        return None;
    }
    STD.decode(s).ok()
}

/// Decodes base64url (either alphabet accepted) with or without padding.
pub fn b64url(s: &str) -> Option<Vec<u8>> {
    if s.len() > MAX_VALUE {
        return None;
    }
    URL.decode(s).ok().or_else(|| STD.decode(s).ok())
}

/// RFC 9110 §5.6.2 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The longest prefix of `s` that is at most `max` bytes and ends on a char boundary.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// [`percent_decode`], borrowing `s` when it holds no escape.
pub fn percent_decoded(s: &str) -> std::borrow::Cow<'_, str> {
    match s.contains('%') {
        true => percent_decode(s).into(),
        false => s.into(),
    }
}

/// Percent-decodes `s` (RFC 3986 §2.1); invalid escapes are kept as sent.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (b.get(i), hex) {
            (Some(b'%'), Some(v)) => {
                out.push(v);
                i += 3;
            }
            (Some(&c), _) => {
                out.push(c);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoded_borrows_plain_text_and_decodes_escapes() {
        assert!(matches!(
            percent_decoded("access_token"),
            std::borrow::Cow::Borrowed("access_token")
        ));
        assert_eq!(percent_decoded("access%5Ftoken"), "access_token");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("a%zzb"), "a%zzb");
    }

    #[test]
    fn escaped_key_names_in_a_query_are_recognised() {
        let key = crate::model::FingerprintKey::fixed(3);
        let keys = super::super::parse_query_keys("/x?api%5Fkey=k9sd8f7g6h5j4k3l2&page=2", &key);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].source, "query:api_key");
    }
}
