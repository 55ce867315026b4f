//! Resident reports: categories (the platform's defaults and each
//! community's own), reports, their timeline and photos.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Buildings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReportCategories {
    Table,
    Id,
    CommunityId,
    Code,
    Name,
    DefaultOrganisationId,
    TargetSecs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    CommunityId,
    BuildingId,
    CategoryId,
    CategoryCode,
    ReporterAccountId,
    FiledByAccountId,
    Description,
    LocationText,
    Latitude,
    Longitude,
    IsPublic,
    IsAnonymous,
    Status,
    AssignedOrganisationId,
    DueAt,
    FirstResponseAt,
    ResolvedAt,
    ClosedAt,
    EscalatedAt,
    ResolutionNote,
    MediationOutcome,
    Rating,
    RatingComment,
    RatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReportEvents {
    Table,
    Id,
    ReportId,
    Kind,
    FromStatus,
    ToStatus,
    AccountId,
    Role,
    OrganisationId,
    Note,
    At,
}

#[derive(DeriveIden)]
enum ReportPhotos {
    Table,
    Id,
    ReportId,
    Kind,
    StorageKey,
    ContentType,
    Bytes,
    Width,
    Height,
    CreatedAt,
}

/// The platform's default categories: code, name, target hours.
const DEFAULTS: [(&str, &str, i64); 8] = [
    ("HYGIENE", "环境卫生", 48),
    ("SECURITY", "治安安全", 24),
    ("REPAIR", "维修", 72),
    ("NOISE", "噪音扰民", 24),
    ("GREENERY", "绿化", 168),
    ("PARKING", "停车", 72),
    ("DISPUTE", "矛盾纠纷", 168),
    ("OTHER", "其他", 72),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ReportCategories as C;
        use ReportEvents as E;
        use ReportPhotos as P;
        use Reports as R;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(pk_auto(C::Id))
                .col(integer_null(C::CommunityId))
                .col(string_len(C::Code, 32))
                .col(string_len(C::Name, 100))
                .col(integer_null(C::DefaultOrganisationId))
                .col(big_integer(C::TargetSecs))
                .col(timestamp_with_time_zone(C::CreatedAt))
                .check(("report_categories_target_check", Expr::col(C::TargetSecs).gt(0)))
                .foreign_key(&mut fk(C::Table, C::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(C::Table, C::DefaultOrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "report_categories_community_code_key",
            C::Table,
            vec![C::CommunityId.into_iden(), C::Code.into_iden()],
            true,
        ))
        .await?;
        let mut insert = Query::insert();
        insert.into_table(C::Table).columns([C::Code, C::Name, C::TargetSecs, C::CreatedAt]);
        for (code, name, hours) in DEFAULTS {
            insert.values_panic([
                code.into(),
                name.into(),
                (hours * 3600).into(),
                sea_orm_migration::sea_orm::prelude::ChronoUtc::now().into(),
            ]);
        }
        m.exec_stmt(insert).await?;

        m.create_table(
            Table::create()
                .table(R::Table)
                .col(pk_auto(R::Id))
                .col(integer(R::CommunityId))
                .col(integer_null(R::BuildingId))
                .col(integer(R::CategoryId))
                .col(string_len(R::CategoryCode, 32))
                .col(integer(R::ReporterAccountId))
                .col(integer(R::FiledByAccountId))
                .col(text(R::Description))
                .col(string_len_null(R::LocationText, 200))
                .col(double_null(R::Latitude))
                .col(double_null(R::Longitude))
                .col(boolean(R::IsPublic))
                .col(boolean(R::IsAnonymous))
                .col(string_len(R::Status, 16))
                .col(integer_null(R::AssignedOrganisationId))
                .col(timestamp_with_time_zone(R::DueAt))
                .col(timestamp_with_time_zone_null(R::FirstResponseAt))
                .col(timestamp_with_time_zone_null(R::ResolvedAt))
                .col(timestamp_with_time_zone_null(R::ClosedAt))
                .col(timestamp_with_time_zone_null(R::EscalatedAt))
                .col(text_null(R::ResolutionNote))
                .col(text_null(R::MediationOutcome))
                .col(integer_null(R::Rating))
                .col(text_null(R::RatingComment))
                .col(timestamp_with_time_zone_null(R::RatedAt))
                .col(timestamp_with_time_zone(R::CreatedAt))
                .col(timestamp_with_time_zone(R::UpdatedAt))
                .check(("reports_rating_check", Expr::col(R::Rating).is_null().or(Expr::col(R::Rating).between(1, 5))))
                .foreign_key(&mut fk(R::Table, R::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(R::Table, R::BuildingId, Buildings::Table, Buildings::Id))
                .foreign_key(&mut fk(R::Table, R::CategoryId, C::Table, C::Id))
                .foreign_key(&mut fk(R::Table, R::ReporterAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(R::Table, R::FiledByAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(R::Table, R::AssignedOrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_reports_community_status",
            R::Table,
            vec![R::CommunityId.into_iden(), R::Status.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index("idx_reports_assigned", R::Table, vec![R::AssignedOrganisationId.into_iden()], false))
            .await?;
        m.create_index(index("idx_reports_due", R::Table, vec![R::DueAt.into_iden()], false)).await?;

        m.create_table(
            Table::create()
                .table(E::Table)
                .col(pk_auto(E::Id))
                .col(integer(E::ReportId))
                .col(string_len(E::Kind, 16))
                .col(string_len_null(E::FromStatus, 16))
                .col(string_len_null(E::ToStatus, 16))
                .col(integer_null(E::AccountId))
                .col(string_len_null(E::Role, 32))
                .col(integer_null(E::OrganisationId))
                .col(text_null(E::Note))
                .col(timestamp_with_time_zone(E::At))
                .foreign_key(&mut fk(E::Table, E::ReportId, R::Table, R::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_report_events_report", E::Table, vec![E::ReportId.into_iden()], false)).await?;

        m.create_table(
            Table::create()
                .table(P::Table)
                .col(pk_auto(P::Id))
                .col(integer(P::ReportId))
                .col(string_len(P::Kind, 16))
                .col(string_len(P::StorageKey, 100))
                .col(string_len(P::ContentType, 32))
                .col(big_integer(P::Bytes))
                .col(integer(P::Width))
                .col(integer(P::Height))
                .col(timestamp_with_time_zone(P::CreatedAt))
                .foreign_key(&mut fk(P::Table, P::ReportId, R::Table, R::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_report_photos_report", P::Table, vec![P::ReportId.into_iden()], false)).await?;
        Ok(())
    }
}
