//! Tests of the dashboard: rendering from hand-built snapshots and key handling.

mod fixture;
mod keys;
mod render;
