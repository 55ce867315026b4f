//! GraphQL of the personal-data rights, by part: the types and queries
//! (`types`), the mutations (`mutations`).

mod mutations;
mod types;

pub use mutations::*;
pub use types::*;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::privacy::policy::PrivacyPermission;

    crate::shown! {
        own_data => PrivacyPermission::OwnData;
        oversee => PrivacyPermission::Oversee;
        erase => PrivacyPermission::Erase;
        hold => PrivacyPermission::Hold;
    }
}
