//! A report's category, timeline events and photos.

use async_graphql::{Context, Object};
use entity::{account, organisation, report_category, report_event, report_photo};

use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::Organisation;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ById, load_by_id};
use crate::graphql::scalars::DateTime;

use super::*;

/// A report category of a community.
pub struct ReportCategory(pub report_category::Model);

/// A report category of a community: a platform default, or the
/// community's own (which overrides a default of the same code).
#[Object]
impl ReportCategory {
    /// The code (HYGIENE, SECURITY, REPAIR, NOISE, GREENERY, PARKING, DISPUTE, OTHER, or the community's own).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Target resolution time (hours).
    async fn target_hours(&self) -> i64 {
        self.0.target_secs / 3600
    }
    /// Reports in it are accepted and assigned to this organisation at once.
    async fn default_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.default_organisation_id, Organisation).await
    }
    /// The community's own (not a platform default).
    async fn is_custom(&self) -> bool {
        self.0.community_id.is_some()
    }
}

/// One step of a report's timeline.
pub struct ReportEvent {
    pub(crate) event: report_event::Model,
    /// The actor is the reporter, whom the viewer may not know.
    pub(crate) hide_actor: bool,
}

/// One step of a report's timeline.
#[Object]
impl ReportEvent {
    /// What happened.
    async fn kind(&self) -> ReportEventKind {
        self.event.kind.into()
    }
    /// The status before.
    async fn from_status(&self) -> Option<ReportStatus> {
        self.event.from_status.map(Into::into)
    }
    /// The status after.
    async fn to_status(&self) -> Option<ReportStatus> {
        self.event.to_status.map(Into::into)
    }
    /// The actor's role; `null` for the server's own steps.
    async fn role(&self) -> Option<Role> {
        self.event.role.map(Into::into)
    }
    /// Who acted; `null` for the server's steps and for the reporter where
    /// the viewer may not know them.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        if self.hide_actor {
            return Ok(None);
        }
        load_by_id::<account::Entity, _>(ctx, self.event.account_id, Account).await
    }
    /// The actor's display name; `null` for the server's steps and for the
    /// reporter where the viewer may not know them.
    #[graphql(deprecation = "Use `actor { displayName }`, as every timeline does; goes in the next release.")]
    async fn actor_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if self.hide_actor {
            return Ok(None);
        }
        let Some(id) = self.event.account_id else { return Ok(None) };
        Ok(ctx.loader::<ById<account::Entity>>()?.load_one(id).await?.map(|a| a.display_name))
    }
    /// The actor's organisation, if they acted for one.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        if self.hide_actor {
            return Ok(None);
        }
        load_by_id::<organisation::Entity, _>(ctx, self.event.organisation_id, Organisation).await
    }
    /// The note, reason or outcome.
    async fn note(&self) -> Option<&str> {
        self.event.note.as_deref()
    }
    /// When.
    async fn at(&self) -> DateTime {
        self.event.at.into()
    }
}

/// A photo of a report.
pub struct ReportPhoto(pub report_photo::Model);

/// A photo of a report, stored as JPEG without metadata. Its URLs need the
/// viewer's bearer token and answer only those who may read the report.
#[Object]
impl ReportPhoto {
    /// Report or resolution photo.
    async fn kind(&self) -> PhotoKind {
        self.0.kind.into()
    }
    /// The photo (`GET` with `Authorization: Bearer`): absolute when the
    /// server knows its public URL (`GONGZHI_PUBLIC_URL`), else a path.
    async fn url(&self, ctx: &Context<'_>) -> String {
        absolute(ctx, &format!("/photos/{}", self.0.id))
    }
    /// A thumbnail of at most 256 pixels (`GET` with `Authorization: Bearer`).
    async fn thumbnail_url(&self, ctx: &Context<'_>) -> String {
        absolute(ctx, &format!("/photos/{}/thumbnail", self.0.id))
    }
    /// Width in pixels.
    async fn width(&self) -> i32 {
        self.0.width
    }
    /// Height in pixels.
    async fn height(&self) -> i32 {
        self.0.height
    }
    /// Size in bytes.
    async fn bytes(&self) -> i64 {
        self.0.bytes
    }
}

/// `path` on the server's public base URL, when one is configured.
fn absolute(ctx: &Context<'_>, path: &str) -> String {
    use crate::graphql::context::ContextExt;
    crate::http::absolute_url(ctx.app(), path)
}
