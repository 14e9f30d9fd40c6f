//! The finding registry.
//!
//! Owns every finding of the run, one per (code, key): a repeated condition
//! grows the existing finding (count, last time, bounded evidence, revision)
//! and keeps its id. Receives hits from the detectors; emits ranked findings and
//! the ids changed since the last drain. Must not decide what is wrong (the
//! detectors do) and must not grow without bound (caps with counters).

use crate::model::{ExchangeId, Finding, FindingId, Fingerprint, Severity, Timestamp};
use foldhash::fast::RandomState;
use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

/// Evidence ids kept per finding (`count` has the full number).
pub(crate) const MAX_EVIDENCE: usize = 200;
/// Findings kept per run; further distinct findings are counted, not kept.
pub(crate) const MAX_FINDINGS: usize = 10_000;
/// Latest evidence ids remembered per finding for de-duplication.
const RECENT_IDS: usize = 128;
/// Distinct labels or fingerprints remembered per finding.
pub(crate) const MAX_FACTS: usize = 8;

/// One observation of a condition.
pub(crate) struct Hit<'a> {
    pub code: &'static str,
    pub severity: Severity,
    /// What makes two hits the same finding (besides the code).
    pub key: Cow<'a, str>,
    pub client: Option<IpAddr>,
    pub origin: Option<&'a str>,
    pub user: Option<&'a str>,
    /// The exchange that is the evidence.
    pub evidence: ExchangeId,
    pub ts: Timestamp,
}

/// Writes a finding's title, explanation and fixes from the finding and its
/// facts alone. A detector that can word a finding this way leaves the text to
/// the registry, which writes it once when someone reads the finding, not on
/// every hit (a cleartext login seen on every request of a session).
pub(crate) type Render = fn(&mut Finding, &Facts);

/// Writes a finding's text with the whole registry at hand (e.g. its cause's
/// title); queued by [`Registry::reword_later`] and run by the diagnoser once
/// before findings are read.
pub(crate) type Reword = fn(FindingId, &mut super::Env<'_>);

/// Small facts a detector accumulates for its explanation.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// The deferred wording of this finding, when its detector uses one.
    pub render: Option<Render>,
    /// The text is older than the last hit.
    stale: bool,
    /// The highest evidence id counted.
    newest: Option<ExchangeId>,
    /// How to re-word it, while it is queued ([`Registry::reword_later`]).
    queued: Option<Reword>,
    /// How it was last re-worded and the revision of its cause it quoted
    /// then: a cause that grew afterwards has it re-worded again.
    quoted: Option<(Reword, Option<u32>)>,
    /// Distinct labels (schemes, cookie reasons, URLs), in first-seen order.
    pub labels: Vec<String>,
    /// Distinct credential fingerprints with how often each was seen.
    pub fingerprints: Vec<(Fingerprint, u32)>,
    /// The latest evidence ids, so a detector that re-reports a window does
    /// not count an exchange twice once `evidence` is full.
    recent: std::collections::VecDeque<ExchangeId>,
    /// What the detector's deferred wording needs of the latest hit (its own
    /// type), updated in place on every hit.
    last: Option<Box<dyn std::any::Any + Send>>,
}

impl Facts {
    /// Remembers a label (bounded, de-duplicated).
    pub fn label(&mut self, l: &str) {
        if self.labels.len() < MAX_FACTS && !self.labels.iter().any(|x| x == l) {
            self.labels.push(l.to_string());
        }
    }

    /// Counts a fingerprint (bounded).
    pub fn fingerprint(&mut self, fp: Fingerprint) {
        if let Some(e) = self.fingerprints.iter_mut().find(|(f, _)| *f == fp) {
            e.1 = e.1.saturating_add(1);
        } else if self.fingerprints.len() < MAX_FACTS {
            self.fingerprints.push((fp, 1));
        }
    }

    /// The detector's record of the latest hit, created on first use.
    pub fn last_mut<T: std::any::Any + Send + Default>(&mut self) -> Option<&mut T> {
        if !self.last.as_ref().is_some_and(|b| b.is::<T>()) {
            self.last = Some(Box::<T>::default());
        }
        self.last.as_mut().and_then(|b| b.downcast_mut::<T>())
    }

    /// The record [`Facts::last_mut`] keeps, when it is a `T`.
    pub fn last<T: std::any::Any>(&self) -> Option<&T> {
        self.last.as_ref().and_then(|b| b.downcast_ref::<T>())
    }

    /// The most replayed fingerprint and its count.
    pub fn most_replayed(&self) -> Option<(Fingerprint, u32)> {
        self.fingerprints.iter().copied().max_by_key(|(_, n)| *n)
    }
}

/// A finding being updated, with its facts.
pub(crate) struct Entry<'r> {
    pub f: &'r mut Finding,
    pub facts: &'r mut Facts,
}

/// Invariant: `findings[i].id == FindingId(i)`; `by_key` maps every kept
/// finding's (code, key) to its index.
#[derive(Default)]
pub(crate) struct Registry {
    findings: Vec<Finding>,
    facts: Vec<Facts>,
    /// code → key → index; looked up by `&str`, so a hit on an existing
    /// finding allocates nothing. Keys carry network text: a per-process
    /// seeded hasher, not Fx; never iterated.
    by_key: HashMap<&'static str, HashMap<Box<str>, usize, RandomState>, RandomState>,
    changed: Vec<FindingId>,
    changed_set: FxHashSet<FindingId>,
    /// Findings with a deferred wording whose text is stale.
    stale: Vec<usize>,
    /// Findings whose detector words them from registry state (their cause's
    /// title): re-worded by the diagnoser before anyone reads them.
    reword: Vec<FindingId>,
    /// Findings re-worded with a cause, watched for the cause growing.
    quoting: Vec<FindingId>,
    dropped: u64,
}

impl Registry {
    /// Records a hit: grows the finding of (code, key) or creates it. None when
    /// the finding cap is reached (the hit is counted in `dropped`).
    pub fn hit(&mut self, hit: Hit<'_>) -> Option<Entry<'_>> {
        let keys = self.by_key.entry(hit.code).or_default();
        let (idx, fresh) = match keys.get(hit.key.as_ref()) {
            Some(&i) => (i, false),
            None => {
                if self.findings.len() >= MAX_FINDINGS {
                    self.dropped = self.dropped.saturating_add(1);
                    return None;
                }
                let i = self.findings.len();
                self.findings.push(new_finding(i, &hit));
                self.facts.push(Facts::default());
                keys.insert(hit.key.clone().into_owned().into_boxed_str(), i);
                (i, true)
            }
        };
        self.grow_at(idx, fresh, &hit)
    }

    /// A hit on finding `id`, which a detector got from an earlier [`Registry::hit`]
    /// of the same code and key: the same as that hit, without building or
    /// looking up the key (findings are never removed, so the key still maps
    /// to `id`). `hit.key` is not read.
    pub fn hit_id(&mut self, id: FindingId, hit: Hit<'_>) -> Option<Entry<'_>> {
        self.grow_at(id.0 as usize, false, &hit)
    }

    /// [`Registry::hit`], or [`Registry::hit_id`] when `known` is the id an
    /// earlier hit of the same code and key returned (a window reported in
    /// one pass looks the key up once).
    pub fn hit_or_id(&mut self, known: Option<FindingId>, hit: Hit<'_>) -> Option<Entry<'_>> {
        match known {
            Some(id) => self.hit_id(id, hit),
            None => self.hit(hit),
        }
    }

    fn grow_at(&mut self, idx: usize, fresh: bool, hit: &Hit<'_>) -> Option<Entry<'_>> {
        let f = self.findings.get_mut(idx)?;
        let facts = self.facts.get_mut(idx)?;
        // Evidence mostly arrives in id order: an id above every id seen so
        // far is new without searching the lists.
        let newer = facts.newest.is_none_or(|n| hit.evidence > n);
        let seen =
            !newer && (facts.recent.contains(&hit.evidence) || f.evidence.contains(&hit.evidence));
        if fresh || !seen {
            grow(f, hit.evidence, hit.ts, fresh);
            if facts.recent.len() >= RECENT_IDS {
                facts.recent.pop_front();
            }
            facts.recent.push_back(hit.evidence);
            facts.newest = facts.newest.max(Some(hit.evidence));
        }
        if f.user.is_none() {
            f.user = hit.user.map(str::to_string);
        }
        if !facts.stale && (fresh || facts.render.is_some()) {
            facts.stale = true;
            self.stale.push(idx);
        }
        f.severity = f.severity.max(hit.severity);
        mark(&mut self.changed, &mut self.changed_set, f.id);
        Some(Entry { f, facts })
    }

    /// Adds earlier evidence (e.g. the first legs of a loop) without counting it.
    pub fn add_evidence(&mut self, id: FindingId, ex: ExchangeId, ts: Timestamp) {
        if let Some(f) = self.findings.get_mut(id.0 as usize) {
            if f.evidence.len() < MAX_EVIDENCE && !f.evidence.contains(&ex) {
                f.evidence.push(ex);
                f.evidence.sort_unstable();
                if ts < f.first_ts {
                    f.first_ts = ts;
                }
                if let Some(facts) = self.facts.get_mut(id.0 as usize) {
                    facts.newest = facts.newest.max(Some(ex));
                }
            }
        }
    }

    /// Links `id` to the finding that explains it.
    pub fn set_cause(&mut self, id: FindingId, cause: FindingId) {
        if id == cause {
            return;
        }
        if let Some(f) = self.findings.get_mut(id.0 as usize) {
            if f.caused_by != Some(cause) {
                f.caused_by = Some(cause);
                f.revision = f.revision.saturating_add(1);
                mark(&mut self.changed, &mut self.changed_set, id);
            }
        }
    }

    /// One finding.
    pub fn get(&self, id: FindingId) -> Option<&Finding> {
        self.findings.get(id.0 as usize)
    }

    /// One finding and its facts, for re-rendering.
    pub fn entry(&mut self, id: FindingId) -> Option<Entry<'_>> {
        let i = id.0 as usize;
        let f = self.findings.get_mut(i)?;
        let facts = self.facts.get_mut(i)?;
        Some(Entry { f, facts })
    }

    /// Asks for `id` to be re-worded by `reword` before the next read, once
    /// however many hits come in between.
    pub fn reword_later(&mut self, id: FindingId, reword: Reword) {
        if let Some(facts) = self.facts.get_mut(id.0 as usize) {
            if facts.queued.replace(reword).is_none() {
                self.reword.push(id);
            }
        }
    }

    /// The findings queued by [`Registry::reword_later`] with their wording,
    /// unqueued.
    pub fn take_reword(&mut self) -> Vec<(FindingId, Reword)> {
        let ids = std::mem::take(&mut self.reword);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let cause = self.findings.get(id.0 as usize).and_then(|f| f.caused_by);
            let cause_rev = cause
                .and_then(|c| self.findings.get(c.0 as usize))
                .map(|c| c.revision);
            let Some(facts) = self.facts.get_mut(id.0 as usize) else {
                continue;
            };
            let Some(reword) = facts.queued.take() else {
                continue;
            };
            if cause.is_some() && facts.quoted.is_none() {
                self.quoting.push(id);
            }
            facts.quoted = Some((reword, cause_rev));
            out.push((id, reword));
        }
        out
    }

    /// Queues again the findings whose cause grew since they quoted it (a
    /// loop's explanation names its cause's title, with its count).
    pub fn requeue_stale_quotes(&mut self) {
        for i in 0..self.quoting.len() {
            let Some(&id) = self.quoting.get(i) else {
                break;
            };
            let cause = self.findings.get(id.0 as usize).and_then(|f| f.caused_by);
            let rev = cause
                .and_then(|c| self.findings.get(c.0 as usize))
                .map(|c| c.revision);
            let quoted = self.facts.get(id.0 as usize).and_then(|f| f.quoted);
            if let Some((reword, seen)) = quoted {
                if seen != rev {
                    self.reword_later(id, reword);
                    // Its text changes: streams show it again, as a new
                    // revision. (A report read once at the end re-words it
                    // then without a revision of its own.)
                    if let Some(f) = self.findings.get_mut(id.0 as usize) {
                        f.revision = f.revision.saturating_add(1);
                    }
                    mark(&mut self.changed, &mut self.changed_set, id);
                }
            }
        }
    }

    /// True when some text is not up to date.
    pub fn has_pending_text(&self) -> bool {
        !self.reword.is_empty() || !self.stale.is_empty()
    }

    /// Writes the text of every finding whose deferred wording is stale.
    pub fn flush(&mut self) {
        for i in std::mem::take(&mut self.stale) {
            if let (Some(f), Some(facts)) = (self.findings.get_mut(i), self.facts.get_mut(i)) {
                facts.stale = false;
                if let Some(render) = facts.render {
                    render(f, facts);
                }
            }
        }
    }

    /// A copy of one finding with its text up to date.
    pub fn current(&self, id: FindingId) -> Option<Finding> {
        let i = id.0 as usize;
        let mut f = self.findings.get(i)?.clone();
        if let Some(facts) = self.facts.get(i) {
            if let (true, Some(render)) = (facts.stale, facts.render) {
                render(&mut f, facts);
            }
        }
        Some(f)
    }

    /// Ranked copy: errors, warnings, info; then count (desc); then first time.
    /// Texts are up to date.
    pub fn ranked(&self) -> Vec<Finding> {
        let mut out: Vec<Finding> = (0..self.findings.len())
            .filter_map(|i| self.current(FindingId(i as u32)))
            .collect();
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.count.cmp(&a.count))
                .then(a.first_ts.cmp(&b.first_ts))
                .then(a.id.cmp(&b.id))
        });
        out
    }

    /// Ids created or grown since the last call, in first-change order; their
    /// texts are written first.
    pub fn drain_changed(&mut self) -> Vec<FindingId> {
        self.flush();
        self.changed_set.clear();
        std::mem::take(&mut self.changed)
    }

    /// Number of findings kept.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    /// Distinct findings not kept because of the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

fn new_finding(i: usize, hit: &Hit<'_>) -> Finding {
    Finding {
        id: FindingId(i as u32),
        code: hit.code,
        severity: hit.severity,
        title: String::new(),
        explanation: String::new(),
        fixes: Vec::new(),
        evidence: Vec::new(),
        client: hit.client,
        origin: hit.origin.map(str::to_string),
        user: hit.user.map(str::to_string),
        first_ts: hit.ts,
        last_ts: hit.ts,
        count: 0,
        caused_by: None,
        revision: 0,
    }
}

fn grow(f: &mut Finding, ex: ExchangeId, ts: Timestamp, fresh: bool) {
    f.count = f.count.saturating_add(1);
    if f.evidence.len() < MAX_EVIDENCE {
        f.evidence.push(ex);
    }
    if ts > f.last_ts {
        f.last_ts = ts;
    }
    if ts < f.first_ts {
        f.first_ts = ts;
    }
    if !fresh {
        f.revision = f.revision.saturating_add(1);
    }
}

fn mark(changed: &mut Vec<FindingId>, set: &mut FxHashSet<FindingId>, id: FindingId) {
    if set.insert(id) {
        changed.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit_of(key: &str, ev: u64) -> Hit<'_> {
        Hit {
            code: "auth-loop",
            severity: Severity::Error,
            key: key.into(),
            client: None,
            origin: Some("a.example:80"),
            user: None,
            evidence: ExchangeId(ev),
            ts: Timestamp::from_secs(i64::try_from(ev).unwrap_or(0)),
        }
    }

    #[test]
    fn growing_by_id_is_growing_by_key() {
        let (mut by_key, mut by_id) = (Registry::default(), Registry::default());
        let mut known = None;
        for ev in [3, 5, 4, 5, 9] {
            by_key.hit(hit_of("k", ev));
            known = by_id.hit_or_id(known, hit_of("k", ev)).map(|e| e.f.id);
        }
        by_key.hit(hit_of("other", 10));
        by_id.hit(hit_of("other", 10));
        assert_eq!(by_key.ranked(), by_id.ranked());
        assert_eq!(by_id.len(), 2);
        assert_eq!(by_id.get(FindingId(0)).map(|f| f.count), Some(4));
    }
}
