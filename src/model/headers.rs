use super::text::{lossy, sanitize};

/// HTTP header fields in wire order, names with their original case, values as
/// raw bytes (RFC 9110 §5: field values are octets; decode only for display).
/// Lookups ignore ASCII case and allocate nothing.
///
/// Stored packed: every name and value back to back in one buffer, with the
/// end offsets of each field beside it. An exchange keeps two allocations for
/// its fields instead of two per field, which is most of what a kept exchange
/// weighs and of what building one costs.
///
/// `Debug` shows each field as every output does ([`super::redact::display_field`]):
/// credential fields masked by their type, values as text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// Name bytes (UTF-8, from `&str`) then value bytes, field after field.
    bytes: Vec<u8>,
    /// Per field: where its name ends and where its value ends in `bytes`.
    ends: Vec<(u32, u32)>,
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(n, v)| (n, super::redact::display_field(n, v, false))),
            )
            .finish()
    }
}

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Headers::default()
    }

    /// No fields, with room for `fields` fields of `bytes` name and value bytes.
    pub fn with_capacity(fields: usize, bytes: usize) -> Self {
        Headers {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(fields),
        }
    }

    /// Appends one field. A field that would take the buffer past 4 GiB is
    /// dropped (the HTTP stage caps a message head far below that).
    pub fn push(&mut self, name: &str, value: &[u8]) {
        let total = self.bytes.len() + name.len() + value.len();
        if u32::try_from(total).is_err() {
            return;
        }
        self.bytes.extend_from_slice(name.as_bytes());
        let name_end = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.ends.push((name_end, self.bytes.len() as u32));
    }

    /// Number of fields (repeats counted).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Raw (name, value) byte ranges of every field.
    fn raw(&self) -> RawFields<'_> {
        RawFields {
            bytes: &self.bytes,
            ends: self.ends.iter(),
            start: 0,
        }
    }

    /// The first value of `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let want = name.as_bytes();
        let mut start = 0;
        for &(name_end, value_end) in &self.ends {
            let (n, v) = (name_end as usize, value_end as usize);
            // Names of another length are passed over without touching their bytes.
            if n.checked_sub(start) == Some(want.len())
                && self
                    .bytes
                    .get(start..n)
                    .is_some_and(|field| field.eq_ignore_ascii_case(want))
            {
                return Some(self.bytes.get(n..v).unwrap_or_default());
            }
            start = v;
        }
        None
    }

    /// The first value of `name` as lossy UTF-8 text, trimmed (not sanitized).
    pub fn get_str(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.get(name).map(|v| match lossy(v) {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.trim()),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.trim().to_string()),
        })
    }

    /// Every value of `name` in wire order, ignoring case.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.raw()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// True when `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All fields in wire order, names as bytes: for scans that only compare
    /// names, without the UTF-8 check [`Headers::iter`] makes per name.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.raw()
    }

    /// All fields in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        // Names were pushed as `&str` and end on their own boundaries.
        self.raw()
            .map(|(n, v)| (std::str::from_utf8(n).unwrap_or_default(), v))
    }

    /// Total bytes of names and values (for size limits and cookie-size checks).
    pub fn byte_len(&self) -> usize {
        self.bytes.len() + 4 * self.ends.len()
    }

    /// Heap bytes held (for memory budgets).
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * std::mem::size_of::<(u32, u32)>()
    }

    /// A display-safe copy of one value.
    pub fn display(&self, name: &str) -> Option<String> {
        self.get(name).map(sanitize)
    }
}

/// Iterator over the packed fields: each field starts where the previous
/// value ended.
struct RawFields<'a> {
    bytes: &'a [u8],
    ends: std::slice::Iter<'a, (u32, u32)>,
    start: usize,
}

impl<'a> Iterator for RawFields<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let &(name_end, value_end) = self.ends.next()?;
        let (s, n, v) = (self.start, name_end as usize, value_end as usize);
        self.start = v;
        Some((
            self.bytes.get(s..n).unwrap_or_default(),
            self.bytes.get(n..v).unwrap_or_default(),
        ))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
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

    #[test]
    fn packed_fields_keep_names_values_and_empty_parts() {
        let mut h = Headers::with_capacity(4, 64);
        h.push("X-Empty", b"");
        h.push("Ünïcode-Name", b"\xff\x00raw");
        h.push("Host", b"example.test");
        let all: Vec<(&str, &[u8])> = h.iter().collect();
        assert_eq!(
            all,
            vec![
                ("X-Empty", &b""[..]),
                ("Ünïcode-Name", &b"\xff\x00raw"[..]),
                ("Host", &b"example.test"[..]),
            ]
        );
        assert_eq!(h.get("x-empty"), Some(&b""[..]));
        assert_eq!(h.get("host"), Some(&b"example.test"[..]));
        assert_eq!(h.get("missing"), None);
        assert_eq!(h.get("hos"), None);
        assert_eq!(h.len(), 3);
        assert_eq!(h.byte_len(), 7 + 14 + 5 + 4 + 12 + 3 * 4);
        h.push("HOSE", b"pipe");
        h.push("hOsT", b"second");
        assert_eq!(h.get("host"), Some(&b"example.test"[..]));
        assert_eq!(h.get("hose"), Some(&b"pipe"[..]));
        assert_eq!(h.get_all("HOST").count(), 2);
    }
}
