//! Tests of the dashboard.
