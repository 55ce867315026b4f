//! People and machines: accounts, their memberships (role × scope) and API
//! clients.

pub mod graphql;
pub mod service;
