//! authscope: watch HTTP authentication happen and say what is wrong.
//!
//! ```text
//! source ─▶ decode ─▶ tcp ─▶ http ─▶ auth ─▶ diagnose ─▶ store ─▶ ui | report
//!  pcap/live/stdin  link/IP/TCP  reassembly  HTTP/1  challenges,  findings  bounded   ratatui / text, json, ndjson
//!  har ─────────────────────────────────────┘ (HAR entries enter as exchanges)
//! ```
//!
//! The analysis core (`decode` … `diagnose`) is synchronous, does no I/O and
//! reads no clock: capture timestamps are the only time. [`engine::Engine`] is
//! the one place that knows the order of the stages; [`runtime`] wires threads
//! and channels around it for live capture and the dashboard.

// No panics on input-derived data: `.get()`, `?` and `let-else`, not `expect`.
#![deny(clippy::expect_used)]

pub mod auth;
pub mod cli;
pub mod decode;
pub mod diagnose;
pub mod engine;
pub mod http;
pub mod model;
pub mod report;
pub mod runtime;
pub mod source;
pub mod store;
pub mod tcp;
pub mod ui;
