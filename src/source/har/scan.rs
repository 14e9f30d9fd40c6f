//! A pull tokenizer over a HAR file that walks to `log.entries` and yields each
//! entry's raw JSON bytes, so a file of any size is read one entry at a time
//! (memory bounded by the largest entry, itself capped). It validates the
//! structure it skips (strings, numbers, literals, objects, arrays) well enough
//! to report where a file stops being JSON, with the byte offset.
//!
//! Hand-written because serde_json's streaming deserializer cannot resume after
//! one bad entry and gives line/column, not byte offsets.

use std::io::{BufRead, ErrorKind};

/// Why the scan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// Not JSON at this byte offset.
    Syntax { offset: u64, what: &'static str },
    /// JSON, but no `log.entries` array.
    NotHar(&'static str),
    /// The file ended inside the JSON.
    Truncated { offset: u64 },
    /// Reading failed.
    Io(String),
}

/// Nesting allowed inside one skipped value.
const MAX_DEPTH: usize = 512;

/// Walks one HAR document.
pub struct Scanner<R> {
    reader: R,
    offset: u64,
    in_entries: bool,
    entries_done: bool,
    first_entry: bool,
    max_entry_bytes: usize,
    /// `log.creator.name`, when it came before `entries`.
    pub creator: Option<String>,
}

/// One entry's bytes, or the fact that it was too large and skipped.
pub enum Entry {
    /// The entry's raw JSON is in the caller's buffer.
    Json,
    /// The entry exceeded the size cap and was skipped.
    TooLarge,
}

impl<R: BufRead> Scanner<R> {
    /// A scanner that skips entries larger than `max_entry_bytes`.
    pub fn new(reader: R, max_entry_bytes: usize) -> Self {
        Scanner {
            reader,
            offset: 0,
            in_entries: false,
            entries_done: false,
            first_entry: true,
            max_entry_bytes,
            creator: None,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            match self.reader.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanError::Io(e.to_string())),
            }
        }
    }

    fn bump(&mut self, keep: &mut Option<&mut Vec<u8>>) -> Result<u8, ScanError> {
        let b = self.peek()?.ok_or(ScanError::Truncated {
            offset: self.offset,
        })?;
        self.reader.consume(1);
        self.offset += 1;
        if let Some(buf) = keep {
            // Past the cap the entry is skipped anyway: stop growing the buffer.
            if buf.len() <= self.max_entry_bytes {
                buf.push(b);
            }
        }
        Ok(b)
    }

    fn skip_ws(&mut self, keep: &mut Option<&mut Vec<u8>>) -> Result<Option<u8>, ScanError> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(Some(b));
            }
            self.bump(keep)?;
        }
        Ok(None)
    }

    fn expect(&mut self, want: u8, what: &'static str) -> Result<(), ScanError> {
        let at = self.offset;
        match self.skip_ws(&mut None)? {
            Some(b) if b == want => {
                self.bump(&mut None)?;
                Ok(())
            }
            Some(_) => Err(ScanError::Syntax { offset: at, what }),
            None => Err(ScanError::Truncated {
                offset: self.offset,
            }),
        }
    }

    /// Skips a UTF-8 byte order mark, then expects the top-level object and
    /// walks to `log.entries`.
    pub fn open(&mut self) -> Result<(), ScanError> {
        let bom = [0xef, 0xbb, 0xbf];
        if let Ok(b) = self.reader.fill_buf() {
            if b.starts_with(&bom) {
                self.reader.consume(3);
                self.offset = 3;
            }
        }
        match self.skip_ws(&mut None)? {
            Some(b'{') => {}
            Some(_) => {
                return Err(ScanError::Syntax {
                    offset: self.offset,
                    what: "not JSON",
                })
            }
            None => {
                return Err(ScanError::Syntax {
                    offset: self.offset,
                    what: "empty file",
                })
            }
        }
        self.bump(&mut None)?;
        if !self.find_key(b"log")? {
            return Err(ScanError::NotHar("no \"log\" object"));
        }
        self.expect(b'{', "\"log\" is not an object")?;
        if !self.find_key(b"entries")? {
            return Err(ScanError::NotHar("no \"log.entries\" array"));
        }
        self.expect(b'[', "\"log.entries\" is not an array")?;
        self.in_entries = true;
        Ok(())
    }

    /// Inside an object (after `{` or a value), skips members until `key`'s
    /// value is next. Returns false when the object ends first.
    fn find_key(&mut self, key: &[u8]) -> Result<bool, ScanError> {
        let mut first = true;
        loop {
            let at = self.offset;
            match self.skip_ws(&mut None)? {
                Some(b'}') => {
                    self.bump(&mut None)?;
                    return Ok(false);
                }
                Some(b',') if !first => {
                    self.bump(&mut None)?;
                }
                Some(b'"') if first => {}
                Some(_) => {
                    return Err(ScanError::Syntax {
                        offset: at,
                        what: "expected a member",
                    })
                }
                None => {
                    return Err(ScanError::Truncated {
                        offset: self.offset,
                    })
                }
            }
            first = false;
            let mut name = Vec::new();
            if self.skip_ws(&mut None)? != Some(b'"') {
                return Err(ScanError::Syntax {
                    offset: self.offset,
                    what: "expected a key",
                });
            }
            self.skip_string(&mut Some(&mut name))?;
            self.expect(b':', "expected ':'")?;
            if name.get(1..name.len().saturating_sub(1)) == Some(key) {
                return Ok(true);
            }
            if name == b"\"creator\"" {
                let mut raw = Vec::new();
                self.skip_value(&mut Some(&mut raw), 0)?;
                self.creator = serde_json::from_slice::<serde_json::Value>(&raw)
                    .ok()
                    .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string));
            } else {
                self.skip_value(&mut None, 0)?;
            }
        }
    }

    fn skip_string(&mut self, keep: &mut Option<&mut Vec<u8>>) -> Result<(), ScanError> {
        self.bump(keep)?; // opening quote
        loop {
            match self.bump(keep)? {
                b'"' => return Ok(()),
                b'\\' => {
                    self.bump(keep)?;
                }
                _ => {}
            }
        }
    }

    fn skip_value(
        &mut self,
        keep: &mut Option<&mut Vec<u8>>,
        depth: usize,
    ) -> Result<(), ScanError> {
        if depth > MAX_DEPTH {
            return Err(ScanError::Syntax {
                offset: self.offset,
                what: "nested too deeply",
            });
        }
        let at = self.offset;
        match self.skip_ws(keep)? {
            Some(b'"') => self.skip_string(keep),
            Some(b'{') => self.skip_container(keep, depth, b'}', true),
            Some(b'[') => self.skip_container(keep, depth, b']', false),
            Some(b) if b == b'-' || b.is_ascii_alphanumeric() => {
                while let Some(b) = self.peek()? {
                    if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')) {
                        break;
                    }
                    self.bump(keep)?;
                }
                Ok(())
            }
            Some(_) => Err(ScanError::Syntax {
                offset: at,
                what: "expected a value",
            }),
            None => Err(ScanError::Truncated {
                offset: self.offset,
            }),
        }
    }

    fn skip_container(
        &mut self,
        keep: &mut Option<&mut Vec<u8>>,
        depth: usize,
        close: u8,
        object: bool,
    ) -> Result<(), ScanError> {
        self.bump(keep)?;
        let mut first = true;
        loop {
            let at = self.offset;
            match self.skip_ws(keep)? {
                Some(b) if b == close => {
                    self.bump(keep)?;
                    return Ok(());
                }
                Some(b',') if !first => {
                    self.bump(keep)?;
                }
                Some(_) if first => {}
                Some(_) => {
                    return Err(ScanError::Syntax {
                        offset: at,
                        what: "expected ',' or end",
                    })
                }
                None => {
                    return Err(ScanError::Truncated {
                        offset: self.offset,
                    })
                }
            }
            first = false;
            if object {
                if self.skip_ws(keep)? != Some(b'"') {
                    return Err(ScanError::Syntax {
                        offset: self.offset,
                        what: "expected a key",
                    });
                }
                self.skip_string(keep)?;
                let at = self.offset;
                if self.skip_ws(keep)? != Some(b':') {
                    return Err(ScanError::Syntax {
                        offset: at,
                        what: "expected ':'",
                    });
                }
                self.bump(keep)?;
            }
            self.skip_value(keep, depth + 1)?;
        }
    }

    /// The next entry's bytes into `buf` (cleared first); `None` after the last.
    pub fn next_entry(&mut self, buf: &mut Vec<u8>) -> Result<Option<Entry>, ScanError> {
        if !self.in_entries || self.entries_done {
            return Ok(None);
        }
        buf.clear();
        let at = self.offset;
        match self.skip_ws(&mut None)? {
            Some(b']') => {
                self.bump(&mut None)?;
                self.entries_done = true;
                return Ok(None);
            }
            Some(b',') if !self.first_entry => {
                self.bump(&mut None)?;
            }
            Some(_) if self.first_entry => {}
            Some(_) => {
                return Err(ScanError::Syntax {
                    offset: at,
                    what: "expected ',' between entries",
                })
            }
            None => {
                return Err(ScanError::Truncated {
                    offset: self.offset,
                })
            }
        }
        self.first_entry = false;
        self.skip_ws(&mut None)?;
        self.skip_value(&mut Some(buf), 0)?;
        if buf.len() > self.max_entry_bytes {
            buf.clear();
            buf.shrink_to(1 << 16);
            return Ok(Some(Entry::TooLarge));
        }
        Ok(Some(Entry::Json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(doc: &str) -> Result<Vec<String>, ScanError> {
        let mut s = Scanner::new(doc.as_bytes(), 1 << 20);
        s.open()?;
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(e) = s.next_entry(&mut buf)? {
            if let Entry::Json = e {
                out.push(String::from_utf8_lossy(&buf).into_owned());
            }
        }
        Ok(out)
    }

    #[test]
    fn walks_to_entries_past_other_members() {
        let doc = r#"{"log": {"version": "1.2", "creator": {"name": "X"}, "pages": [{"a": [1, {"b": "}"}]}],
            "entries": [ {"n": 1}, {"n": "2\"]"} ] }}"#;
        assert_eq!(
            entries(doc).expect("ok"),
            vec![r#"{"n": 1}"#, r#"{"n": "2\"]"}"#]
        );
    }

    #[test]
    fn errors_name_offsets() {
        assert_eq!(
            entries("onInputData({})"),
            Err(ScanError::Syntax {
                offset: 0,
                what: "not JSON"
            })
        );
        assert_eq!(
            entries(r#"{"test": 1}"#),
            Err(ScanError::NotHar("no \"log\" object"))
        );
        assert!(matches!(
            entries(r#"{"log": {"entries": [{"a": 1}, {"b"#),
            Err(ScanError::Truncated { .. })
        ));
        assert!(matches!(
            entries(r#"{"log": {"entries": [{"a" 1}]}}"#),
            Err(ScanError::Syntax { offset: 25, .. })
        ));
    }

    #[test]
    fn bom_is_skipped() {
        assert_eq!(
            entries("\u{feff}{\"log\":{\"entries\":[]}}")
                .expect("ok")
                .len(),
            0
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let doc = format!(r#"{{"log": {{"entries": [{}]}}}}"#, "[".repeat(100_000));
        assert!(matches!(
            entries(&doc),
            Err(ScanError::Syntax {
                what: "nested too deeply",
                ..
            })
        ));
    }
}
