//! `authscope report`: the whole pipeline to completion, then one report.
//!
//! With `--threads 2` (the default on a machine with two cores or more) the
//! engine runs as its two halves ([`crate::engine::Front`] and
//! [`crate::engine::Back`]): this thread reads the input, decodes, reassembles,
//! parses HTTP and decodes request credentials; a second thread decodes the
//! response's auth headers, diagnoses and stores. The
//! steps between them travel in order through a bounded channel (at most
//! `IN_FLIGHT` batches of `BATCH` steps), so the back half sees exactly the
//! sequence one thread would have produced and the report is byte-identical
//! (`tests/threads.rs`). Splitting by stage rather than sharding by client keeps
//! detectors that compare clients (one server rejecting many users, a rate
//! limit shared by an origin) working unchanged.

use crate::cli::{FailOn, Format, ReportArgs};
use crate::engine::{Back, Engine, EngineEvent, Step};
use crate::model::Severity;
use crate::model::SourceItem;
use crate::report::{self, ReportOptions};
use crate::source::{self, InputError, Source};
use anyhow::{anyhow, Result};
use std::io::{BufWriter, Stdout, Write};
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver};

/// Steps per message between the two halves.
const BATCH: usize = 256;
/// Messages in flight: bounds the exchanges held between the halves.
const IN_FLIGHT: usize = 4;

type Out = BufWriter<Stdout>;

/// How the events of a run are written as they happen.
struct Live<'a> {
    ndjson: bool,
    /// A stream (`tcpdump -U -w - | authscope report -`) is watched as it
    /// arrives: each batch of lines goes out at once.
    streaming: bool,
    opts: &'a ReportOptions,
}

impl Live<'_> {
    fn write_events(&self, out: &mut Out, events: Vec<EngineEvent>) -> Result<()> {
        if !self.ndjson || events.is_empty() {
            return Ok(());
        }
        report::write_ndjson_events(out, events, self.opts)?;
        if self.streaming {
            out.flush()?;
        }
        Ok(())
    }
}

/// `authscope report`. Called once per process: the analysis state is left
/// for the exit to reclaim.
pub fn run_report(args: &ReportArgs) -> Result<ExitCode> {
    let mut src = source::open_inputs(&args.files)?;
    let mut config = super::engine_config(&args.common);
    config.emit_events = args.format == Format::Ndjson;
    let mut engine = Engine::new(config);
    engine.set_credentials_stripped(src.credentials_stripped());
    let opts = ReportOptions {
        show_secrets: args.common.show_secrets,
    };
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    let live = Live {
        ndjson: args.format == Format::Ndjson,
        streaming: args.files.iter().any(|p| is_stream(p)),
        opts: &opts,
    };
    let (mut engine, input_error) = if threads(args.threads.map(usize::from)) > 1 {
        analyse_split(engine, src.as_mut(), &mut out, &live)?
    } else {
        let error = analyse(&mut engine, src.as_mut(), &mut out, &live)?;
        (engine, error)
    };
    let snapshot = engine.snapshot(src.stats(), src.notes());
    match args.format {
        Format::Text => report::write_text(&mut out, &snapshot, &opts)?,
        Format::Json => report::write_json(&mut out, &snapshot, &opts)?,
        Format::Ndjson => {
            report::write_ndjson_events(&mut out, engine.drain_events(), &opts)?;
            report::write_ndjson_summary(&mut out, &snapshot, &opts)?;
        }
    }
    out.flush()?;
    let worst = snapshot.findings.iter().map(|f| f.severity).max();
    // The process ends right after the report: handing the kept exchanges and
    // the detector state back to the allocator one by one costs about a tenth
    // of a run on a large capture, for memory the exit returns at once.
    std::mem::forget(snapshot);
    std::mem::forget(engine);
    if let Some(e) = input_error {
        eprintln!("authscope: {e}");
        return Ok(ExitCode::from(2));
    }
    let fail = match args.fail_on {
        Some(FailOn::Error) => worst == Some(Severity::Error),
        Some(FailOn::Warning) => worst >= Some(Severity::Warning),
        None => false,
    };
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Threads to use: the flag, else two where the machine has two cores. The
/// pipeline has two halves, so more than two adds nothing.
fn threads(flag: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    flag.unwrap_or(cores).clamp(1, 2)
}

/// Every stage on this thread. Returns the input error that ended the input.
fn analyse(
    engine: &mut Engine,
    src: &mut dyn Source,
    out: &mut Out,
    live: &Live<'_>,
) -> Result<Option<InputError>> {
    let input_error = feed_all(src, |item| {
        engine.feed(item);
        live.write_events(out, engine.drain_events())?;
        Ok(true)
    })?;
    engine.finish();
    Ok(input_error)
}

/// Hands every item of `src` to `feed` until the input ends or `feed` returns
/// `false`; the input error that ended the input, if one did.
fn feed_all(
    src: &mut dyn Source,
    mut feed: impl FnMut(SourceItem<'_>) -> Result<bool>,
) -> Result<Option<InputError>> {
    loop {
        match src.next_item() {
            Ok(Some(item)) => {
                if !feed(item)? {
                    return Ok(None);
                }
            }
            Ok(None) => return Ok(None),
            Err(e) => return Ok(Some(e)),
        }
    }
}

/// The front half on this thread, the back half on a second one.
fn analyse_split(
    engine: Engine,
    src: &mut dyn Source,
    out: &mut Out,
    live: &Live<'_>,
) -> Result<(Engine, Option<InputError>)> {
    let (mut front, back) = engine.into_parts();
    let (tx, rx) = sync_channel::<Vec<Step>>(IN_FLIGHT);
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("authscope-diagnose".into())
            .spawn_scoped(scope, || apply_all(back, rx, out, live))?;
        let input_error = feed_all(src, |item| {
            front.feed(item);
            let waiting = front.steps_waiting();
            // A failed send means the back half stopped on an output error:
            // join reports it.
            Ok(!(waiting >= BATCH || (live.streaming && waiting > 0))
                || tx.send(front.take_steps()).is_ok())
        });
        front.finish();
        // A send fails only when the back half has stopped; join says why.
        let _ = tx.send(front.take_steps());
        drop(tx);
        let back = worker
            .join()
            .map_err(|_| anyhow!("the analysis thread stopped unexpectedly"))??;
        Ok((Engine::from_parts(front, back), input_error?))
    })
}

/// The back half's loop: applies every batch in order, writing events as they
/// come for NDJSON.
fn apply_all(
    mut back: Back,
    rx: Receiver<Vec<Step>>,
    out: &mut Out,
    live: &Live<'_>,
) -> Result<Back> {
    for batch in rx {
        for step in batch {
            back.apply(step);
        }
        live.write_events(out, back.drain_events())?;
    }
    Ok(back)
}

/// True for stdin and other inputs that are not regular files (pipes, FIFOs):
/// their packets arrive over time.
fn is_stream(path: &str) -> bool {
    path == "-" || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
