//! A memo of decoded `Authorization` values.
//!
//! A client sends the same credential on every request of a session (the same
//! Bearer JWT, the same Basic pair), so the extractor decodes each distinct
//! value once and hands out clones; secrets and JWT views are shared behind
//! `Arc`s, so a clone is a few reference counts. The memo is a pure cache of
//! [`parse_authorization`]: same input, same output, whatever it holds. It is
//! bounded (cleared when full) and skips what depends on other headers (SigV4
//! reads `X-Amz-Date`) and oversized values.

use super::anomaly::note;
use super::authorization::parse_authorization;
use super::AuthAnomaly;
use crate::model::{ChallengeTarget, Credential, FingerprintKey};
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// Distinct values remembered before the memo starts over.
const MAX_ENTRIES: usize = 4096;
/// Longer values are decoded every time (they are rare and heavy to keep).
const MAX_VALUE: usize = 4096;

#[derive(Clone, Debug, Default)]
pub(crate) struct CredentialMemo {
    /// Value → its credential (as decoded for the server target; the target
    /// only labels the result) and the anomalies decoding it noted. The keys
    /// come from the network: the hasher is seeded per process, so nobody can
    /// prepare values that collide.
    map: HashMap<Box<[u8]>, (Credential, Vec<AuthAnomaly>), RandomState>,
}

impl CredentialMemo {
    /// [`parse_authorization`] of `value`, from the memo when it was seen before.
    pub fn parse(
        &mut self,
        value: &[u8],
        target: ChallengeTarget,
        amz_date: Option<&str>,
        key: &FingerprintKey,
        notes: &mut Vec<AuthAnomaly>,
    ) -> Credential {
        if amz_date.is_some() || value.len() > MAX_VALUE {
            return parse_authorization(value, target, amz_date, key, notes);
        }
        let (cred, seen) = match self.map.get(value) {
            Some(hit) => hit,
            None => {
                if self.map.len() >= MAX_ENTRIES {
                    self.map.clear();
                }
                let mut own = Vec::new();
                let cred = parse_authorization(value, ChallengeTarget::Server, None, key, &mut own);
                self.map.entry(value.into()).or_insert((cred, own))
            }
        };
        for n in seen {
            note(notes, *n);
        }
        Credential {
            target,
            ..cred.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FingerprintKey {
        FingerprintKey::fixed(7)
    }

    #[test]
    fn memo_answers_exactly_what_the_parser_answers() {
        let mut memo = CredentialMemo::default();
        let values: [&[u8]; 4] = [
            b"Basic dXNlcjpwYXNz",
            b"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln",
            b"Bearer  eyJhbGciOiJIUzI1NiJ9.!!!.c2ln",
            b"garbage",
        ];
        for round in 0..3 {
            for v in values {
                for target in [ChallengeTarget::Server, ChallengeTarget::Proxy] {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    let want = parse_authorization(v, target, None, &key(), &mut a);
                    let got = memo.parse(v, target, None, &key(), &mut b);
                    assert_eq!(got, want, "round {round}");
                    assert_eq!(b, a, "anomalies, round {round}");
                }
            }
        }
        assert_eq!(memo.map.len(), values.len());
    }

    #[test]
    fn memo_stays_bounded() {
        let mut memo = CredentialMemo::default();
        for i in 0..(MAX_ENTRIES * 2 + 5) {
            let v = format!("Bearer token-{i}");
            memo.parse(
                v.as_bytes(),
                ChallengeTarget::Server,
                None,
                &key(),
                &mut Vec::new(),
            );
            assert!(memo.map.len() <= MAX_ENTRIES);
        }
    }
}
