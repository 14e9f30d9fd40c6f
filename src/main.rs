//! The `authscope` binary: parses the command line and hands over to `runtime`.

use authscope::cli::{Cli, Command};
use authscope::runtime;
use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: the pipeline makes many small
/// short-lived allocations (header fields, finding text), where glibc malloc
/// and free cost about a fifth of a report run (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages; a partly used 2 MiB page
    // counts whole in RSS, which cost a fifth of the 64 MB budget
    // (docs/PERFORMANCE.md). Best effort: without it we only use more memory.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Report(args) => runtime::run_report(&args),
        Command::Replay(args) => runtime::run_replay(&args),
        Command::Live(args) => runtime::run_live(&args),
    };
    match result {
        Ok(code) => code,
        // The reader of our output went away (`authscope report x.pcap | head`):
        // stop quietly, as a tool killed by SIGPIPE would, without a message.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("authscope: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
