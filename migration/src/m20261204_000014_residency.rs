//! Residency (issue 32): people sign up and ask to join a community; the
//! committee or the building head verifies them; committees invite with
//! one-time codes; buildings have households (a flat, 单元/户, and the
//! residents living in it) with sensitive vulnerability flags and a log of
//! routine visits.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    PrivacyNoticeVersion,
    PrivacyAcceptedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    HouseholdId,
}

#[derive(DeriveIden)]
enum Buildings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
    CommunityId,
    BuildingId,
    Unit,
    Number,
    ContactAccountId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HouseholdFlags {
    Table,
    Id,
    HouseholdId,
    Kind,
    ConsentNote,
    SetByAccountId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HouseholdVisits {
    Table,
    Id,
    HouseholdId,
    VisitorAccountId,
    VisitedOn,
    Note,
    FollowUpNeeded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum JoinRequests {
    Table,
    Id,
    AccountId,
    CommunityId,
    BuildingId,
    HouseholdId,
    Unit,
    Number,
    Status,
    Note,
    Reason,
    DecidedByAccountId,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    CommunityId,
    BuildingId,
    HouseholdId,
    Selector,
    VerifierHash,
    CreatedByAccountId,
    ExpiresAt,
    UsedAt,
    UsedByAccountId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Accounts::Table)
                .add_column(string_len_null(Accounts::PrivacyNoticeVersion, 32))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Accounts::Table)
                .add_column(timestamp_with_time_zone_null(Accounts::PrivacyAcceptedAt))
                .to_owned(),
        )
        .await?;

        use Households as H;
        m.create_table(
            Table::create()
                .table(H::Table)
                .col(pk_auto(H::Id))
                // The building's community, kept here so that the scope
                // of a household is one comparison.
                .col(integer(H::CommunityId))
                .col(integer(H::BuildingId))
                .col(string_len(H::Unit, 32))
                .col(string_len(H::Number, 32))
                .col(integer_null(H::ContactAccountId))
                .col(timestamp_with_time_zone(H::CreatedAt))
                .foreign_key(&mut fk(H::Table, H::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(H::Table, H::BuildingId, Buildings::Table, Buildings::Id))
                .foreign_key(&mut fk(H::Table, H::ContactAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "households_building_unit_number_key",
            H::Table,
            vec![H::BuildingId.into_iden(), H::Unit.into_iden(), H::Number.into_iden()],
            true,
        ))
        .await?;
        // A plain column, no foreign key: SQLite cannot add one to an
        // existing table. The residency service is the only writer and
        // checks the household's building against the membership's.
        m.alter_table(
            Table::alter().table(Memberships::Table).add_column(integer_null(Memberships::HouseholdId)).to_owned(),
        )
        .await?;

        use HouseholdFlags as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(pk_auto(F::Id))
                .col(integer(F::HouseholdId))
                .col(string_len(F::Kind, 32))
                .col(string_len(F::ConsentNote, 500))
                .col(integer(F::SetByAccountId))
                .col(timestamp_with_time_zone(F::CreatedAt))
                .foreign_key(&mut fk(F::Table, F::HouseholdId, H::Table, H::Id))
                .foreign_key(&mut fk(F::Table, F::SetByAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "household_flags_household_kind_key",
            F::Table,
            vec![F::HouseholdId.into_iden(), F::Kind.into_iden()],
            true,
        ))
        .await?;

        use HouseholdVisits as V;
        m.create_table(
            Table::create()
                .table(V::Table)
                .col(pk_auto(V::Id))
                .col(integer(V::HouseholdId))
                .col(integer(V::VisitorAccountId))
                .col(date(V::VisitedOn))
                .col(text(V::Note))
                .col(boolean(V::FollowUpNeeded))
                .col(timestamp_with_time_zone(V::CreatedAt))
                .foreign_key(&mut fk(V::Table, V::HouseholdId, H::Table, H::Id))
                .foreign_key(&mut fk(V::Table, V::VisitorAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_household_visits_household",
            V::Table,
            vec![V::HouseholdId.into_iden(), V::VisitedOn.into_iden()],
            false,
        ))
        .await?;

        use JoinRequests as J;
        m.create_table(
            Table::create()
                .table(J::Table)
                .col(pk_auto(J::Id))
                .col(integer(J::AccountId))
                .col(integer(J::CommunityId))
                .col(integer(J::BuildingId))
                .col(integer_null(J::HouseholdId))
                // The flat as the person named it (they see it; the
                // household itself only once they live there).
                .col(string_len_null(J::Unit, 32))
                .col(string_len_null(J::Number, 32))
                .col(string_len(J::Status, 16))
                .col(string_len_null(J::Note, 500))
                .col(string_len_null(J::Reason, 500))
                .col(integer_null(J::DecidedByAccountId))
                .col(timestamp_with_time_zone_null(J::DecidedAt))
                .col(timestamp_with_time_zone(J::CreatedAt))
                .foreign_key(&mut fk(J::Table, J::AccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(J::Table, J::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(J::Table, J::BuildingId, Buildings::Table, Buildings::Id))
                .foreign_key(&mut fk(J::Table, J::HouseholdId, H::Table, H::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_join_requests_community_status",
            J::Table,
            vec![J::CommunityId.into_iden(), J::Status.into_iden()],
            false,
        ))
        .await?;
        // At most one pending request per person and community: a partial
        // unique index (both engines have them; sea-query builds none).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX join_requests_one_pending_key ON join_requests (account_id, community_id) \
                 WHERE status = 'PENDING'",
            )
            .await?;

        use Invitations as I;
        m.create_table(
            Table::create()
                .table(I::Table)
                .col(pk_auto(I::Id))
                .col(integer(I::CommunityId))
                .col(integer(I::BuildingId))
                .col(integer_null(I::HouseholdId))
                // The public half of the code, looked up by index.
                .col(string_len_uniq(I::Selector, 16))
                // SHA-256 of the secret half, compared in constant time.
                .col(string_len(I::VerifierHash, 64))
                .col(integer(I::CreatedByAccountId))
                .col(timestamp_with_time_zone(I::ExpiresAt))
                .col(timestamp_with_time_zone_null(I::UsedAt))
                .col(integer_null(I::UsedByAccountId))
                .col(timestamp_with_time_zone(I::CreatedAt))
                .foreign_key(&mut fk(I::Table, I::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(I::Table, I::BuildingId, Buildings::Table, Buildings::Id))
                .foreign_key(&mut fk(I::Table, I::HouseholdId, H::Table, H::Id))
                .foreign_key(&mut fk(I::Table, I::CreatedByAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Invitations::Table.into_iden(),
            JoinRequests::Table.into_iden(),
            HouseholdVisits::Table.into_iden(),
            HouseholdFlags::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Memberships::Table).drop_column(Memberships::HouseholdId).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Households::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::PrivacyAcceptedAt).to_owned())
            .await?;
        m.alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::PrivacyNoticeVersion).to_owned())
            .await
    }
}
