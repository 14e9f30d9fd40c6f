use super::text::sanitize;

/// HTTP header fields in wire order, names with their original case, values as
/// raw bytes (RFC 9110 §5: field values are octets; decode only for display).
/// Lookups ignore ASCII case and allocate nothing.
/// `Debug` shows each field as every output does ([`super::redact::display_field`]):
/// credential fields masked by their type, values as text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(Box<str>, Box<[u8]>)>,
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.fields
                    .iter()
                    .map(|(n, v)| (n, super::redact::display_field(n, v, false))),
            )
            .finish()
    }
}

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Headers { fields: Vec::new() }
    }

    /// Appends one field.
    pub fn push(&mut self, name: &str, value: &[u8]) {
        self.fields.push((name.into(), value.into()));
    }

    /// Number of fields (repeats counted).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The first value of `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &v[..])
    }

    /// The first value of `name` as lossy UTF-8 text, trimmed (not sanitized).
    pub fn get_str(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.get(name).map(|v| match String::from_utf8_lossy(v) {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.trim()),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.trim().to_string()),
        })
    }

    /// Every value of `name` in wire order, ignoring case.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &v[..])
    }

    /// True when `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All fields in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.fields.iter().map(|(n, v)| (&n[..], &v[..]))
    }

    /// Total bytes of names and values (for size limits and cookie-size checks).
    pub fn byte_len(&self) -> usize {
        self.fields.iter().map(|(n, v)| n.len() + v.len() + 4).sum()
    }

    /// A display-safe copy of one value.
    pub fn display(&self, name: &str) -> Option<String> {
        self.get(name).map(sanitize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case_and_keeps_order() {
        let mut h = Headers::new();
        h.push("WWW-Authenticate", b"Negotiate");
        h.push("www-authenticate", b"NTLM");
        assert_eq!(h.get("www-AUTHENTICATE"), Some(&b"Negotiate"[..]));
        assert_eq!(h.get_all("WWW-Authenticate").count(), 2);
        assert_eq!(h.iter().next().map(|(n, _)| n), Some("WWW-Authenticate"));
    }
}
