#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests: the real HTTP server on port 0, a fresh database per
//! test, every database test on both SQLite and PostgreSQL. One test binary
//! (modules below) keeps linking cheap.

mod common;

mod access;
mod audit_walk;
mod auth;
mod clients;
mod consultations;
mod directory;
mod funds;
mod hostile;
mod indicators;
mod limits;
mod messages;
mod notices;
mod party;
mod people;
mod platform;
mod privacy;
mod projects;
mod relay;
mod replication;
mod reports;
mod residency;
mod retries;
mod services;
mod spec;
mod standards;
mod surface;
mod volunteering;
mod webhooks;
