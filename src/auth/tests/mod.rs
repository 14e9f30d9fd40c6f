//! Tests of the auth stage.
