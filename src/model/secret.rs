use serde::{Serialize, Serializer};
use std::hash::{BuildHasher, Hasher};

/// Key for credential fingerprints. Random per run by default (so a fingerprint
/// reveals nothing and cannot be looked up in a precomputed table); fixed from a
/// seed for reproducible output (golden tests, `AUTHSCOPE_FP_SEED`).
#[derive(Clone, Copy, Debug)]
pub struct FingerprintKey {
    k0: u64,
    k1: u64,
}

impl FingerprintKey {
    /// A fresh random key (from the standard library's per-process random keys).
    pub fn random() -> Self {
        let state = std::hash::RandomState::new();
        let mut a = state.build_hasher();
        a.write_u8(0);
        let mut b = state.build_hasher();
        b.write_u8(1);
        FingerprintKey {
            k0: a.finish(),
            k1: b.finish(),
        }
    }

    /// A key derived from a seed, for reproducible output.
    pub fn fixed(seed: u64) -> Self {
        FingerprintKey {
            k0: seed,
            k1: seed.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// Fingerprint of `bytes` under this key (keyed SipHash, folded to 32 bits).
    pub fn fingerprint(&self, bytes: &[u8]) -> Fingerprint {
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(self.k0, self.k1);
        h.write(bytes);
        let v = h.finish();
        Fingerprint((v ^ (v >> 32)) as u32)
    }
}

impl Default for FingerprintKey {
    fn default() -> Self {
        FingerprintKey::random()
    }
}

/// A short keyed hash of a secret: equal secrets in one run have equal
/// fingerprints ("same password as #12"), and it reveals nothing about the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u32);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A credential value (password, token, cookie value, key, hash). `Debug`,
/// `Display` and `Serialize` show only a mask and the fingerprint; the value is
/// reachable only through [`Secret::expose`], which outputs call only when the
/// user asked for `--show-secrets`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: std::sync::Arc<str>,
    fingerprint: Fingerprint,
}

impl Secret {
    /// Wraps a value and computes its fingerprint.
    pub fn new(value: &str, key: &FingerprintKey) -> Self {
        Secret {
            value: value.into(),
            fingerprint: key.fingerprint(value.as_bytes()),
        }
    }

    /// The fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Length of the value in bytes (safe to show).
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True for an empty value.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The value itself. Call only on the `--show-secrets` path.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// What an output prints: the mask, or the value when `reveal` is set.
    pub fn render(&self, reveal: bool) -> String {
        if reveal {
            super::text::sanitize_str(&self.value)
        } else {
            self.masked()
        }
    }

    /// `•••• (fp 1a2b3c4d)`.
    pub fn masked(&self) -> String {
        format!("\u{2022}\u{2022}\u{2022}\u{2022} (fp {})", self.fingerprint)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.render(REVEAL.with(|r| r.get())))
    }
}

thread_local! {
    static REVEAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with secrets revealed in `Serialize` on this thread when `reveal`
/// is true (the `--show-secrets` path). Outside such a scope, and always in
/// `Debug` and `Display`, secrets are masked.
pub fn with_reveal<R>(reveal: bool, f: impl FnOnce() -> R) -> R {
    let before = REVEAL.with(|r| r.replace(reveal));
    let out = f();
    REVEAL.with(|r| r.set(before));
    out
}
