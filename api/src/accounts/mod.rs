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
        ApiClientSetDocuments = "api_client.set_documents",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    // A name or contact never needs the password hash.
    l.by_id_withholding::<account::Entity>(vec![account::Column::PasswordHash]);
    l.by_id::<membership::Entity>();
    l.by_id::<api_client::Entity>();
    l.by_column::<membership::Entity, Main>(membership::Column::AccountId);
}

#[cfg(test)]
mod tests {
    use entity::account;
    use sea_orm::{DbBackend, QueryTrait};

    use crate::graphql::loaders::ById;

    #[test]
    fn accounts_loaded_for_a_relation_never_read_the_password_hash() {
        let l = ById::<account::Entity>::withholding(crate::db::Reads::default(), vec![account::Column::PasswordHash]);
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let sql = l.select(&[1, 2]).map(|q| q.build(backend).to_string()).unwrap_or_default();
            assert!(sql.contains(r#"'' AS "password_hash""#), "{sql}");
            assert!(!sql.contains(r#""accounts"."password_hash""#), "{sql}");
            assert!(sql.contains(r#""accounts"."display_name""#), "{sql}");
        }
    }
}
