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
        Err(e) => {
            eprintln!("authscope: {e:#}");
            ExitCode::from(2)
        }
    }
}
