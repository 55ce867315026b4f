//! Community services (社区服务): the catalogue of what social organisations
//! offer, where (`service_areas`) and when (`service_sessions`), residents'
//! requests with their timeline, delivery records (服务记录) pushed by NGO
//! systems, and the change feed (`changes`) integrations page through.

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
enum Services {
    Table,
    Id,
    OrganisationId,
    Name,
    Description,
    Category,
    EligibilityDescription,
    Schedule,
    FeeFen,
    Contact,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceAreas {
    Table,
    ServiceId,
    CommunityId,
}

#[derive(DeriveIden)]
enum ServiceSessions {
    Table,
    Id,
    ServiceId,
    CommunityId,
    StartsAt,
    EndsAt,
    Capacity,
    Booked,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServiceRequests {
    Table,
    Id,
    ServiceId,
    CommunityId,
    ResidentAccountId,
    RequestedByAccountId,
    Status,
    SessionId,
    Note,
    DeclineReason,
    Rating,
    RatingComment,
    RatedAt,
    CompletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceRequestEvents {
    Table,
    Id,
    RequestId,
    FromStatus,
    ToStatus,
    Action,
    AccountId,
    Role,
    Note,
    At,
}

#[derive(DeriveIden)]
enum DeliveryRecords {
    Table,
    Id,
    OrganisationId,
    ServiceId,
    CommunityId,
    ExternalId,
    DeliveredOn,
    DurationMinutes,
    Beneficiaries,
    ResidentAccountId,
    Notes,
    ContentHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Id,
    Kind,
    ObjectType,
    ObjectId,
    OrganisationId,
    CommunityId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use DeliveryRecords as D;
        use ServiceAreas as A;
        use ServiceRequestEvents as E;
        use ServiceRequests as R;
        use ServiceSessions as X;
        use Services as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(pk_auto(S::Id))
                .col(integer(S::OrganisationId))
                .col(string_len(S::Name, 200))
                .col(text(S::Description))
                .col(string_len(S::Category, 16))
                .col(text_null(S::EligibilityDescription))
                .col(text_null(S::Schedule))
                .col(big_integer_null(S::FeeFen))
                .col(string_len_null(S::Contact, 200))
                .col(string_len(S::Status, 16))
                .col(timestamp_with_time_zone(S::CreatedAt))
                .col(timestamp_with_time_zone(S::UpdatedAt))
                .check(("services_fee_check", Expr::col(S::FeeFen).is_null().or(Expr::col(S::FeeFen).gt(0))))
                .foreign_key(&mut fk(S::Table, S::OrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("services_organisation_idx", S::Table, vec![S::OrganisationId.into_iden()], false))
            .await?;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(integer(A::ServiceId))
                .col(integer(A::CommunityId))
                .primary_key(Index::create().col(A::ServiceId).col(A::CommunityId))
                .foreign_key(&mut fk(A::Table, A::ServiceId, S::Table, S::Id))
                .foreign_key(&mut fk(A::Table, A::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("service_areas_community_idx", A::Table, vec![A::CommunityId.into_iden()], false)).await?;

        m.create_table(
            Table::create()
                .table(X::Table)
                .col(pk_auto(X::Id))
                .col(integer(X::ServiceId))
                .col(integer(X::CommunityId))
                .col(timestamp_with_time_zone(X::StartsAt))
                .col(timestamp_with_time_zone(X::EndsAt))
                .col(integer(X::Capacity))
                .col(integer(X::Booked))
                .col(timestamp_with_time_zone(X::CreatedAt))
                // The seats invariant, repeated in the database: the
                // conditional UPDATE in the service keeps it under
                // concurrency, this catches any write that forgets to.
                .check((
                    "service_sessions_seats_check",
                    Expr::col(X::Booked).gte(0).and(Expr::col(X::Booked).lte(Expr::col(X::Capacity))),
                ))
                .check(("service_sessions_capacity_check", Expr::col(X::Capacity).gt(0)))
                .foreign_key(&mut fk(X::Table, X::ServiceId, S::Table, S::Id))
                .foreign_key(&mut fk(X::Table, X::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "service_sessions_service_idx",
            X::Table,
            vec![X::ServiceId.into_iden(), X::StartsAt.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(R::Table)
                .col(pk_auto(R::Id))
                .col(integer(R::ServiceId))
                .col(integer(R::CommunityId))
                .col(integer(R::ResidentAccountId))
                .col(integer(R::RequestedByAccountId))
                .col(string_len(R::Status, 16))
                .col(integer_null(R::SessionId))
                .col(text_null(R::Note))
                .col(text_null(R::DeclineReason))
                .col(integer_null(R::Rating))
                .col(text_null(R::RatingComment))
                .col(timestamp_with_time_zone_null(R::RatedAt))
                .col(timestamp_with_time_zone_null(R::CompletedAt))
                .col(timestamp_with_time_zone(R::CreatedAt))
                .col(timestamp_with_time_zone(R::UpdatedAt))
                .check((
                    "service_requests_rating_check",
                    Expr::col(R::Rating).is_null().or(Expr::col(R::Rating).between(1, 5)),
                ))
                .foreign_key(&mut fk(R::Table, R::ServiceId, S::Table, S::Id))
                .foreign_key(&mut fk(R::Table, R::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(R::Table, R::ResidentAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(R::Table, R::RequestedByAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(R::Table, R::SessionId, X::Table, X::Id))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("service_requests_service_idx", R::ServiceId),
            ("service_requests_community_idx", R::CommunityId),
            ("service_requests_resident_idx", R::ResidentAccountId),
        ] {
            m.create_index(index(name, R::Table, vec![col.into_iden()], false)).await?;
        }

        m.create_table(
            Table::create()
                .table(E::Table)
                .col(pk_auto(E::Id))
                .col(integer(E::RequestId))
                .col(string_len_null(E::FromStatus, 16))
                .col(string_len(E::ToStatus, 16))
                .col(string_len(E::Action, 16))
                .col(integer_null(E::AccountId))
                .col(string_len_null(E::Role, 32))
                .col(text_null(E::Note))
                .col(timestamp_with_time_zone(E::At))
                .foreign_key(&mut fk(E::Table, E::RequestId, R::Table, R::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("service_request_events_request_idx", E::Table, vec![E::RequestId.into_iden()], false))
            .await?;

        m.create_table(
            Table::create()
                .table(D::Table)
                .col(pk_auto(D::Id))
                .col(integer(D::OrganisationId))
                .col(integer(D::ServiceId))
                .col(integer(D::CommunityId))
                .col(string_len(D::ExternalId, 100))
                .col(date(D::DeliveredOn))
                .col(integer(D::DurationMinutes))
                .col(integer(D::Beneficiaries))
                .col(integer_null(D::ResidentAccountId))
                .col(text_null(D::Notes))
                .col(string_len(D::ContentHash, 64))
                .col(timestamp_with_time_zone(D::CreatedAt))
                .col(timestamp_with_time_zone(D::UpdatedAt))
                .check(("delivery_records_duration_check", Expr::col(D::DurationMinutes).between(1, 1440)))
                .check(("delivery_records_beneficiaries_check", Expr::col(D::Beneficiaries).between(1, 10000)))
                .foreign_key(&mut fk(D::Table, D::OrganisationId, Organisations::Table, Organisations::Id))
                .foreign_key(&mut fk(D::Table, D::ServiceId, S::Table, S::Id))
                .foreign_key(&mut fk(D::Table, D::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(D::Table, D::ResidentAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        // The idempotency key of the batch upload: an organisation's own id
        // of the record (ON CONFLICT target).
        m.create_index(index(
            "delivery_records_organisation_external_key",
            D::Table,
            vec![D::OrganisationId.into_iden(), D::ExternalId.into_iden()],
            true,
        ))
        .await?;
        m.create_index(index(
            "delivery_records_community_day_idx",
            D::Table,
            vec![D::CommunityId.into_iden(), D::DeliveredOn.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index("delivery_records_service_idx", D::Table, vec![D::ServiceId.into_iden()], false)).await?;

        // The change feed: one row per object changed, numbered in commit
        // order (the unit of work inserts them under a lock held until the
        // commit; see `api/src/changes`). The server only appends to it.
        m.create_table(
            Table::create()
                .table(Changes::Table)
                .col(big_integer(Changes::Id).auto_increment().primary_key())
                .col(string_len(Changes::Kind, 8))
                .col(string_len(Changes::ObjectType, 40))
                .col(integer(Changes::ObjectId))
                .col(integer_null(Changes::OrganisationId))
                .col(integer_null(Changes::CommunityId))
                .col(timestamp_with_time_zone(Changes::At))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "changes_organisation_idx",
            Changes::Table,
            vec![Changes::OrganisationId.into_iden(), Changes::Id.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "changes_community_idx",
            Changes::Table,
            vec![Changes::CommunityId.into_iden(), Changes::Id.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Changes::Table.into_iden(),
            DeliveryRecords::Table.into_iden(),
            ServiceRequestEvents::Table.into_iden(),
            ServiceRequests::Table.into_iden(),
            ServiceSessions::Table.into_iden(),
            ServiceAreas::Table.into_iden(),
            Services::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
