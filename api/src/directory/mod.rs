//! The directory: the region tree (district → street → community),
//! buildings, and organisations with their service areas.

pub mod graphql;
pub mod service;
