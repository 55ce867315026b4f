//! People and machines: accounts, their memberships (role × scope) and API
//! clients.

pub mod graphql;
pub mod policy;
pub mod service;

use entity::{account, api_client, membership};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What account mutations do, as recorded in the audit log.
    pub enum Verbs {
        AccountCreate = "account.create",
        MembershipCreate = "membership.create",
        MembershipDelete = "membership.delete",
        ApiClientCreate = "api_client.create",
        ApiClientRevoke = "api_client.revoke",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.by_id::<account::Entity>();
    l.by_id::<membership::Entity>();
    l.by_id::<api_client::Entity>();
    l.by_column::<membership::Entity, Main>(membership::Column::AccountId);
}
