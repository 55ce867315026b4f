//! The community party organisation's register of party members
//! (党员报到, issue 29). The party organisation's other work (convening the
//! council, endorsing projects, publishing activities and surveys, reading
//! the overview) is in those domains' policies; this domain holds what
//! belongs to it alone.
//!
//! A party member living in the community may register with the party
//! organisation, voluntarily. That a person is a party member is sensitive
//! personal information, so a registration is read by the person and by
//! the party organisation over the community, and by nobody else: not the
//! committee, the office, a platform admin or any API client; it is in no
//! change feed, webhook, indicator or export to district systems. The
//! person erases it whenever they want, and then nothing of it is left.
//!
//! So neither registering nor erasing writes an audit row: the audit log
//! is append-only (a trigger refuses deletes), and a row "this account
//! registered as a party member" would outlive the erasure the person is
//! promised. The same choice as for a secret ballot and a survey answer
//! (`UnitOfWork::commit_unaudited`, with its reason).

pub mod graphql;
pub mod policy;
pub mod service;

pub fn register_loaders(l: &mut crate::graphql::loaders::Loaders<'_>) {
    l.visible_by_id::<entity::party_member_registration::Entity>(policy::visible_registrations);
}
