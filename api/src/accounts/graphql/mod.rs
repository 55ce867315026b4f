//! GraphQL types, queries and mutations for accounts, memberships and API
//! clients, by part: the types (`types`), the queries, people and their
//! memberships, API clients, and the state of accounts (disable, enable,
//! reset).

mod clients;
mod people;
mod queries;
mod state;
mod types;

pub use clients::*;
pub use people::*;
pub use queries::*;
pub use state::*;
pub use types::*;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::accounts::policy::AccountsPermission;

    crate::shown! {
        read_accounts => AccountsPermission::ReadAccounts;
        manage_accounts => AccountsPermission::ManageAccounts;
        manage_api_clients => AccountsPermission::ManageApiClients;
        manage_account_state => AccountsPermission::ManageAccountState;
    }
}

/// The accounts domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct AccountsMutation(PeopleMutation, ClientsMutation, AccountStateMutation);
