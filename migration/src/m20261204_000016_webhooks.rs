//! Webhooks (issue 25): endpoints that API clients and organisations'
//! staff register, the transactional outbox of events (written by the unit
//! of work in the transaction of the change), one delivery per endpoint
//! and event, and every attempt at it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    ApiClientId,
    MembershipId,
    OrganisationId,
    Url,
    EventTypes,
    ScopeRegionId,
    Description,
    Enabled,
    DisabledReason,
    DisabledAt,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    FailingSince,
    FailureStreak,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    MessageId,
    EventType,
    ObjectType,
    ObjectId,
    CommunityId,
    OrganisationId,
    Payload,
    FannedOut,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventId,
    ObjectKey,
    State,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    LastStatus,
    LastError,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    EndpointId,
    At,
    StatusCode,
    LatencyMs,
    ErrorClass,
    Outcome,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use WebhookEndpoints as E;
        m.create_table(
            Table::create()
                .table(E::Table)
                .col(pk_auto(E::Id))
                // The owner: an API client, or a staff membership acting for
                // its organisation (whose principal decides what it sees; no
                // foreign key: a membership that ends leaves the endpoint,
                // which then stops with `owner_gone`).
                .col(integer_null(E::ApiClientId))
                .col(integer_null(E::MembershipId))
                .col(integer_null(E::OrganisationId))
                .col(string_len(E::Url, 2048))
                // JSON array of event type names.
                .col(text(E::EventTypes))
                .col(integer_null(E::ScopeRegionId))
                .col(string_len(E::Description, 500))
                .col(boolean(E::Enabled))
                .col(string_len_null(E::DisabledReason, 64))
                .col(timestamp_with_time_zone_null(E::DisabledAt))
                .col(string_len(E::Secret, 64))
                .col(string_len_null(E::PreviousSecret, 64))
                .col(timestamp_with_time_zone_null(E::PreviousSecretUntil))
                .col(timestamp_with_time_zone_null(E::FailingSince))
                .col(integer(E::FailureStreak).default(0))
                .col(timestamp_with_time_zone(E::CreatedAt))
                .col(timestamp_with_time_zone(E::UpdatedAt))
                .foreign_key(&mut fk(E::Table, E::ApiClientId, ApiClients::Table, ApiClients::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_endpoints_client", E::Table, vec![E::ApiClientId.into_iden()], false)).await?;
        m.create_index(index("webhook_endpoints_org", E::Table, vec![E::OrganisationId.into_iden()], false)).await?;

        use WebhookEvents as V;
        m.create_table(
            Table::create()
                .table(V::Table)
                .col(pk_auto(V::Id))
                // The `webhook-id`: stable across retries and endpoints.
                .col(string_len(V::MessageId, 40))
                .col(string_len(V::EventType, 64))
                .col(string_len(V::ObjectType, 64))
                .col(integer(V::ObjectId))
                .col(integer_null(V::CommunityId))
                .col(integer_null(V::OrganisationId))
                // The JSON body sent, byte for byte, to every endpoint.
                .col(text(V::Payload))
                .col(boolean(V::FannedOut))
                .col(timestamp_with_time_zone(V::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_events_message", V::Table, vec![V::MessageId.into_iden()], true)).await?;
        m.create_index(index(
            "webhook_events_pending",
            V::Table,
            vec![V::FannedOut.into_iden(), V::Id.into_iden()],
            false,
        ))
        .await?;

        use WebhookDeliveries as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .col(pk_auto(D::Id))
                .col(integer(D::EndpointId))
                .col(integer(D::EventId))
                // `Type:id` of the object: deliveries of one key go out one
                // at a time, in event order.
                .col(string_len(D::ObjectKey, 80))
                .col(string_len(D::State, 16))
                .col(integer(D::Attempts).default(0))
                .col(timestamp_with_time_zone(D::NextAttemptAt))
                .col(timestamp_with_time_zone_null(D::LeasedUntil))
                .col(integer_null(D::LastStatus))
                .col(string_len_null(D::LastError, 64))
                .col(timestamp_with_time_zone_null(D::DeliveredAt))
                .col(timestamp_with_time_zone(D::CreatedAt))
                .foreign_key(&mut fk(D::Table, D::EndpointId, WebhookEndpoints::Table, WebhookEndpoints::Id))
                .foreign_key(&mut fk(D::Table, D::EventId, WebhookEvents::Table, WebhookEvents::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "webhook_deliveries_due",
            D::Table,
            vec![D::State.into_iden(), D::NextAttemptAt.into_iden()],
            false,
        ))
        .await?;
        // The claim walks pending deliveries in event order and stops at
        // its batch size.
        m.create_index(index(
            "webhook_deliveries_pending",
            D::Table,
            vec![D::State.into_iden(), D::EventId.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "webhook_deliveries_order",
            D::Table,
            vec![D::EndpointId.into_iden(), D::ObjectKey.into_iden(), D::EventId.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "webhook_deliveries_once",
            D::Table,
            vec![D::EndpointId.into_iden(), D::EventId.into_iden()],
            true,
        ))
        .await?;

        use WebhookAttempts as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(pk_auto(A::Id))
                .col(integer(A::DeliveryId))
                .col(integer(A::EndpointId))
                .col(timestamp_with_time_zone(A::At))
                .col(integer_null(A::StatusCode))
                .col(integer(A::LatencyMs))
                .col(string_len_null(A::ErrorClass, 32))
                .col(string_len(A::Outcome, 16))
                .foreign_key(&mut fk(A::Table, A::DeliveryId, WebhookDeliveries::Table, WebhookDeliveries::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_attempts_delivery", A::Table, vec![A::DeliveryId.into_iden()], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
