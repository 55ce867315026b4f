//! Residents' personal data (issue 27; PIPL Art. 44–47): see it (`myData`),
//! correct it, erase it, consent to sharing the phone, legal holds, who
//! read it (`myDataAccessLog`, recorded by `crate::access`) and retention.
//! The personal fields themselves stay in their domains; this folder holds
//! the rights over them.

pub mod catalogue;
pub mod download;
pub mod graphql;
pub mod policy;
pub mod service;

crate::verbs! {
    /// What personal-data mutations do, as recorded in the audit log. An
    /// audit row names the fields touched, never their values.
    pub enum Verbs {
        AccountCorrect = "account.correct",
        AccountSetConsent = "account.set_consent",
        AccountHold = "account.hold",
        AccountRelease = "account.release",
        AccountErase = "account.erase",
    }
}
