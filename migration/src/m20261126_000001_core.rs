//! The core model: regions, buildings, organisations, accounts, memberships,
//! API clients, refresh tokens, login throttle and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    ParentId,
    Kind,
    Name,
    Code,
    Path,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Buildings {
    Table,
    Id,
    CommunityId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    RegionId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganisationCommunities {
    Table,
    OrganisationId,
    CommunityId,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Username,
    DisplayName,
    RealName,
    Phone,
    PasswordHash,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    AccountId,
    Role,
    RegionId,
    BuildingId,
    OrganisationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ClientId,
    Name,
    SecretHash,
    Role,
    RegionId,
    OrganisationId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    TokenHash,
    FamilyId,
    AccountId,
    MembershipId,
    ExpiresAt,
    CreatedAt,
    RotatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Username,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    AccountId,
    ApiClientId,
    MembershipId,
    Role,
    Action,
    ObjectType,
    ObjectId,
    CommunityId,
    Details,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Regions::Table)
                .col(pk_auto(Regions::Id))
                .col(integer_null(Regions::ParentId))
                .col(string_len(Regions::Kind, 16))
                .col(string_len(Regions::Name, 200))
                .col(string_len_uniq(Regions::Code, 64))
                .col(string_len(Regions::Path, 255))
                .col(timestamp_with_time_zone(Regions::CreatedAt))
                .foreign_key(&mut fk(Regions::Table, Regions::ParentId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_regions_parent").table(Regions::Table).col(Regions::ParentId).to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_regions_path").table(Regions::Table).col(Regions::Path).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(Buildings::Table)
                .col(pk_auto(Buildings::Id))
                .col(integer(Buildings::CommunityId))
                .col(string_len(Buildings::Name, 200))
                .col(timestamp_with_time_zone(Buildings::CreatedAt))
                .foreign_key(&mut fk(Buildings::Table, Buildings::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_buildings_community_name")
                .table(Buildings::Table)
                .col(Buildings::CommunityId)
                .col(Buildings::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(pk_auto(Organisations::Id))
                .col(string_len_uniq(Organisations::Name, 200))
                .col(string_len(Organisations::Kind, 32))
                .col(integer(Organisations::RegionId))
                .col(timestamp_with_time_zone(Organisations::CreatedAt))
                .foreign_key(&mut fk(Organisations::Table, Organisations::RegionId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrganisationCommunities::Table)
                .col(integer(OrganisationCommunities::OrganisationId))
                .col(integer(OrganisationCommunities::CommunityId))
                .primary_key(
                    Index::create()
                        .col(OrganisationCommunities::OrganisationId)
                        .col(OrganisationCommunities::CommunityId),
                )
                .foreign_key(&mut fk(
                    OrganisationCommunities::Table,
                    OrganisationCommunities::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    OrganisationCommunities::Table,
                    OrganisationCommunities::CommunityId,
                    Regions::Table,
                    Regions::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_org_communities_community")
                .table(OrganisationCommunities::Table)
                .col(OrganisationCommunities::CommunityId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Accounts::Table)
                .col(pk_auto(Accounts::Id))
                .col(string_len_uniq(Accounts::Username, 64))
                .col(string_len(Accounts::DisplayName, 100))
                .col(string_len_null(Accounts::RealName, 100))
                .col(string_len_null(Accounts::Phone, 32))
                .col(string_len(Accounts::PasswordHash, 255))
                .col(boolean(Accounts::Disabled).default(false))
                .col(timestamp_with_time_zone(Accounts::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(pk_auto(Memberships::Id))
                .col(integer(Memberships::AccountId))
                .col(string_len(Memberships::Role, 32))
                .col(integer_null(Memberships::RegionId))
                .col(integer_null(Memberships::BuildingId))
                .col(integer_null(Memberships::OrganisationId))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .foreign_key(&mut fk(Memberships::Table, Memberships::AccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(Memberships::Table, Memberships::RegionId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(Memberships::Table, Memberships::BuildingId, Buildings::Table, Buildings::Id))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_memberships_account")
                .table(Memberships::Table)
                .col(Memberships::AccountId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_memberships_region_role")
                .table(Memberships::Table)
                .col(Memberships::RegionId)
                .col(Memberships::Role)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiClients::Table)
                .col(pk_auto(ApiClients::Id))
                .col(string_len_uniq(ApiClients::ClientId, 64))
                .col(string_len(ApiClients::Name, 200))
                .col(string_len(ApiClients::SecretHash, 255))
                .col(string_len(ApiClients::Role, 32))
                .col(integer_null(ApiClients::RegionId))
                .col(integer_null(ApiClients::OrganisationId))
                .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiClients::RevokedAt))
                .foreign_key(&mut fk(ApiClients::Table, ApiClients::RegionId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(
                    ApiClients::Table,
                    ApiClients::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(pk_auto(RefreshTokens::Id))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(string_len(RefreshTokens::FamilyId, 64))
                .col(integer(RefreshTokens::AccountId))
                .col(integer(RefreshTokens::MembershipId))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RotatedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .foreign_key(&mut fk(RefreshTokens::Table, RefreshTokens::AccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(
                    RefreshTokens::Table,
                    RefreshTokens::MembershipId,
                    Memberships::Table,
                    Memberships::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(string_len(LoginThrottle::Username, 64).primary_key())
                .col(integer(LoginThrottle::Failures))
                .col(timestamp_with_time_zone(LoginThrottle::WindowStartedAt))
                .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(integer_null(AuditLog::AccountId))
                .col(integer_null(AuditLog::ApiClientId))
                .col(integer_null(AuditLog::MembershipId))
                .col(string_len_null(AuditLog::Role, 32))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::ObjectType, 64))
                .col(integer_null(AuditLog::ObjectId))
                .col(integer_null(AuditLog::CommunityId))
                .col(text_null(AuditLog::Details))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_log_community")
                .table(AuditLog::Table)
                .col(AuditLog::CommunityId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
