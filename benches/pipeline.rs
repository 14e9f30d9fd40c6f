//! Criterion benches of the whole pipeline on a generated capture (the same
//! generator and default mix as `scripts/bench.sh`, 8 MiB): the engine fed
//! frames from memory (decode, reassembly, HTTP, auth, diagnosis, store) and
//! what `authscope report --format json` does, reading the capture from a
//! temporary file through the pcap source and writing the JSON report to a
//! sink. Throughput is in capture-file bytes.
//!
//! ```text
//! cargo bench --bench pipeline
//! ```

mod support;

use authscope::engine::{Engine, EngineConfig};
use authscope::model::{FingerprintKey, SourceItem};
use authscope::report::{self, ReportOptions};
use authscope::source;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use std::hint::black_box;
use std::time::Duration;

const CAPTURE_BYTES: u64 = 8 << 20;

fn engine() -> Engine {
    Engine::new(EngineConfig {
        fingerprint_key: FingerprintKey::fixed(7),
        ..EngineConfig::default()
    })
}

/// Every frame through a fresh engine; returns the number of exchanges.
fn run_engine(file: &[u8], records: &[support::Record]) -> u64 {
    let mut engine = engine();
    for r in records {
        engine.feed(SourceItem::Frame(support::frame(file, r)));
    }
    engine.finish();
    let snapshot = engine.snapshot(Vec::new(), Vec::new());
    black_box(&snapshot);
    snapshot.stats.exchanges
}

/// `report --format json` on `path`, output discarded; returns the bytes written.
fn run_report(path: &str) -> u64 {
    let mut src = source::open_inputs(&[path.to_string()]).expect("open the capture");
    let mut engine = engine();
    while let Some(item) = src.next_item().expect("read the capture") {
        engine.feed(item);
    }
    engine.finish();
    let snapshot = engine.snapshot(src.stats(), src.notes());
    let mut out = std::io::sink();
    let mut counted = CountingWriter(&mut out, 0);
    let opts = ReportOptions {
        show_secrets: false,
    };
    report::write_json(&mut counted, &snapshot, &opts).expect("write to a sink");
    counted.1
}

/// A writer that counts what passes through it.
struct CountingWriter<'a, W>(&'a mut W, u64);

impl<W: std::io::Write> std::io::Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1 += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn pipeline(c: &mut Criterion) {
    let file = support::capture(&support::config(CAPTURE_BYTES, 1, 0.01, 0.005));
    let records = support::records(&file);
    assert!(run_engine(&file, &records) > 0, "the capture has exchanges");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("pipeline.pcap");
    std::fs::write(&path, &file).expect("write the capture");
    let path = path.to_string_lossy().into_owned();
    assert!(run_report(&path) > 0, "the report is not empty");

    let mut group = c.benchmark_group("pipeline");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes(file.len() as u64));
    let frames = records.len();
    group.bench_function(format!("engine/{frames}_frames"), |b| {
        b.iter(|| black_box(run_engine(&file, &records)));
    });
    group.bench_function(format!("report_json/{frames}_frames"), |b| {
        b.iter(|| black_box(run_report(&path)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::criterion();
    targets = pipeline
}
criterion_main!(benches);
