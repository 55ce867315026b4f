use sea_orm::entity::prelude::*;

/// A person's login. Personal fields (`real_name`, `phone`) are masked by the
/// policy module wherever the viewer's role does not need them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "accounts")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub real_name: Option<String>,
    pub phone: Option<String>,
    /// PHC string of an argon2id hash.
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    /// After a password reset: the one-time code opens `changePassword`
    /// only, and login is refused until the password is changed.
    pub must_change_password: bool,
    /// Why the account was disabled (shown to the person).
    pub disabled_reason: Option<String>,
    /// The privacy notice version the person accepted at sign-up, and when.
    pub privacy_notice_version: Option<String>,
    pub privacy_accepted_at: Option<DateTimeUtc>,
    /// When the account was erased: the row is a tombstone (no name,
    /// phone or login) that ballots, ledgers and audit rows still point at.
    pub erased_at: Option<DateTimeUtc>,
    /// Why erasure is on hold (a dispute in mediation), shown to the person.
    pub legal_hold_reason: Option<String>,
    pub legal_hold_at: Option<DateTimeUtc>,
    /// The resident chose to show their phone to their building head in
    /// the household register.
    pub phone_shared_with_building_head: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
