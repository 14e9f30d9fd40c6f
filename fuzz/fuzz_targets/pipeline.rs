//! The whole pipeline on one input file (pcap, pcapng, gzip or HAR, as
//! sniffed): source, engine, then the text and JSON reports into memory.
#![no_main]

use authscope::engine::{Engine, EngineConfig};
use authscope::model::FingerprintKey;
use authscope::report::{self, ReportOptions};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).and_then(|()| file.flush()).is_err() {
        return;
    }
    let path = file.path().to_string_lossy().into_owned();
    let Ok(mut src) = authscope::source::open_inputs(&[path]) else {
        return;
    };
    let config = EngineConfig {
        fingerprint_key: FingerprintKey::fixed(7),
        emit_events: true,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config);
    engine.set_credentials_stripped(src.credentials_stripped());
    let mut events = 0usize;
    while let Ok(Some(item)) = src.next_item() {
        engine.feed(item);
        events += engine.drain_events().len();
    }
    engine.finish();
    events += engine.drain_events().len();
    let snapshot = engine.snapshot(src.stats(), src.notes());
    let opts = ReportOptions {
        show_secrets: false,
    };
    let mut sink = Vec::new();
    let _ = report::write_text(&mut sink, &snapshot, &opts);
    sink.clear();
    let _ = report::write_json(&mut sink, &snapshot, &opts);
    std::hint::black_box(events);
});
