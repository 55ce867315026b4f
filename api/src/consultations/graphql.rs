//! GraphQL of consultations: surveys, their questions and results, the
//! queries and mutations. No type here names a respondent: results are
//! aggregates and the viewer's own participation is a yes or no.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::{QuestionKind as DbKind, SurveyStatus as DbStatus};
use entity::{region, survey, survey_participant, survey_question, survey_response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::lifecycle::SurveyAction;
use super::{policy, results, service};
use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, Main, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;

/// Who is shown which of this domain's fields.
pub mod shown {
    use crate::consultations::policy::ConsultationsPermission;

    crate::shown! {
        publish => ConsultationsPermission::Publish;
        answer => ConsultationsPermission::Answer;
        read => ConsultationsPermission::Read;
    }
}

/// Where a survey stands (see the README's lifecycle table).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::SurveyStatus")]
pub enum SurveyStatus {
    /// Being written; only its author's side sees it.
    Draft,
    /// Taking answers.
    Open,
    /// Closed: answers are final.
    Closed,
}

/// What kind of answer a question takes.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::QuestionKind")]
pub enum QuestionKind {
    /// One of the options (`choice`: its index from 0).
    SingleChoice,
    /// Any of the options (`choices`).
    MultipleChoice,
    /// 1 (poor) to 5 (excellent) (`rating`).
    Rating,
    /// A short text, at most 500 characters (`text`).
    Text,
}

/// A consultation or survey (意见征集、满意度测评).
#[derive(Clone)]
pub struct Survey(pub survey::Model);

/// A question of a survey.
pub struct SurveyQuestion(survey_question::Model);

/// A question of a survey.
#[Object(visible = "shown::read")]
impl SurveyQuestion {
    /// Its place (1 = first): how answers name it.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// What kind of answer it takes.
    async fn kind(&self) -> QuestionKind {
        self.0.kind.into()
    }
    /// The question.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Must be answered.
    async fn required(&self) -> bool {
        self.0.required
    }
    /// The options of a choice question, in order.
    async fn options(&self) -> Vec<String> {
        serde_json::from_str(&self.0.options).unwrap_or_default()
    }
}

/// One question's results.
#[derive(SimpleObject)]
pub struct QuestionResult {
    /// The question's place.
    pub position: i32,
    /// How many answered it.
    pub answered: i64,
    /// Per option (choice questions) or per rating 1 to 5: how many gave it.
    pub counts: Vec<i64>,
    /// The mean rating (rating questions).
    pub mean: Option<f64>,
    /// The free-text answers, sorted, without names.
    pub texts: Vec<String>,
}

/// A survey's results: aggregates, and nothing but the number of
/// respondents when there are fewer than k (`GONGZHI_INDICATOR_K`).
#[derive(SimpleObject)]
pub struct SurveyResults {
    /// How many answered.
    pub respondents: i64,
    /// Fewer than k answered: no figures are shown.
    pub suppressed: bool,
    /// Per question, in order (empty when suppressed).
    pub questions: Vec<QuestionResult>,
}

impl From<results::Results> for SurveyResults {
    fn from(r: results::Results) -> Self {
        let questions = r
            .questions
            .into_iter()
            .map(|q| QuestionResult {
                position: q.position,
                answered: q.answered,
                counts: q.counts,
                mean: q.mean,
                texts: q.texts,
            })
            .collect();
        Self { respondents: r.respondents, suppressed: r.suppressed, questions }
    }
}

/// A consultation or survey (意见征集、满意度测评).
#[Object(visible = "shown::read")]
impl Survey {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What it asks about and why.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// `COMMUNITY_SATISFACTION` for the standard satisfaction survey.
    async fn template(&self) -> Option<&str> {
        self.0.template.as_deref()
    }
    /// Where it stands.
    async fn status(&self) -> SurveyStatus {
        self.0.status.into()
    }
    /// The region it asks: a community, or a region above it.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.region_id, Region).await
    }
    /// The buildings it is for; empty: the whole region.
    async fn buildings(&self, ctx: &Context<'_>) -> ApiResult<Vec<crate::directory::graphql::Building>> {
        let links = ctx.loader::<ByColumn<entity::survey_building::Entity>>()?.load_one(self.0.id).await?;
        let ids = links.unwrap_or_default().into_iter().map(|l| l.building_id).collect();
        crate::directory::graphql::Building::many(ctx, ids).await
    }
    /// Residents see the results (live while it is open).
    async fn share_results(&self) -> bool {
        self.0.share_results
    }
    /// When it opened.
    async fn opened_at(&self) -> Option<DateTime> {
        self.0.opened_at.map(Into::into)
    }
    /// When it closed.
    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(Into::into)
    }
    /// The questions, in order.
    async fn questions(&self, ctx: &Context<'_>) -> ApiResult<Vec<SurveyQuestion>> {
        let mut rows =
            ctx.loader::<ByColumn<survey_question::Entity, Main>>()?.load_one(self.0.id).await?.unwrap_or_default();
        rows.sort_by_key(|q| q.position);
        Ok(rows.into_iter().map(SurveyQuestion).collect())
    }
    /// Has the viewer answered it (they may change the answer while it is open)?
    #[graphql(visible = "shown::answer")]
    async fn viewer_has_answered(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(ctx.loader::<ViewerAnsweredLoader>()?.load_one(self.0.id).await?.unwrap_or(false))
    }
    /// The results: for the author's side; for residents when shared.
    /// `null` for anyone else.
    async fn results(&self, ctx: &Context<'_>) -> ApiResult<Option<SurveyResults>> {
        // The survey itself came through its visible-rows query; what is
        // left to decide is whether the viewer sees its results.
        let p = ctx.principal()?;
        let path = load_by_id::<region::Entity, _>(ctx, self.0.region_id, |r| r.path).await?.unwrap_or_default();
        let shared = self.0.share_results && self.0.status != DbStatus::Draft;
        let author = policy::runs(p, &self.0, &path) || p.role == entity::enums::Role::PlatformAdmin;
        if !(author || shared) {
            return Ok(None);
        }
        let questions = ctx.loader::<ByColumn<survey_question::Entity>>()?.load_one(self.0.id).await?;
        let responses = ctx.loader::<ByColumn<survey_response::Entity>>()?.load_one(self.0.id).await?;
        let k = i64::from(ctx.app().config.indicator_k);
        Ok(Some(results::compute(questions.unwrap_or_default(), &responses.unwrap_or_default(), k).into()))
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

crate::node_type!(Survey, "Survey", survey, policy::visible_surveys);

/// Which of some surveys the viewer answered (one statement per batch).
pub struct ViewerAnsweredLoader {
    pub db: crate::db::Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerAnsweredLoader {
    type Value = bool;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, bool>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = survey_participant::Entity::find()
            .filter(survey_participant::Column::AccountId.eq(me))
            .filter(survey_participant::Column::SurveyId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.survey_id, true)).collect())
    }
}

/// A question as written.
#[derive(InputObject)]
pub struct SurveyQuestionInput {
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// The question (at most 200 characters).
    pub text: String,
    /// Must be answered (default no).
    pub required: Option<bool>,
    /// The options of a choice question (2 to 20).
    pub options: Option<Vec<String>>,
}

/// Write a survey (a DRAFT until opened).
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// The region asked: the committee's community, or a region under the office's.
    pub region_id: ID,
    /// The title.
    pub title: String,
    /// What it asks about and why.
    pub description: Option<String>,
    /// `COMMUNITY_SATISFACTION` for the standard satisfaction survey (then no `questions`).
    pub template: Option<String>,
    /// The questions, in order (1 to 50).
    pub questions: Option<Vec<SurveyQuestionInput>>,
    /// Show residents the results, live while it is open (default no).
    pub share_results: Option<bool>,
    /// Only for the residents of these buildings (global ids, at most 100;
    /// the region is then a community and they are its); leave out for the
    /// whole region.
    #[graphql(default)]
    pub building_ids: Vec<ID>,
}

/// Open or close a survey.
#[derive(InputObject)]
pub struct SurveyStepInput {
    /// The survey (global id).
    pub survey_id: ID,
}

/// One answer.
#[derive(InputObject)]
pub struct SurveyAnswerInput {
    /// The question's position.
    pub position: i32,
    /// A single choice: the option's index from 0.
    pub choice: Option<i32>,
    /// Multiple choices: the options' indexes.
    pub choices: Option<Vec<i32>>,
    /// A rating 1 to 5.
    pub rating: Option<i32>,
    /// A short text.
    pub text: Option<String>,
}

/// Answer a survey.
#[derive(InputObject)]
pub struct AnswerSurveyInput {
    /// The survey (global id).
    pub survey_id: ID,
    /// The answers; every required question needs one. Answering again replaces them.
    pub answers: Vec<SurveyAnswerInput>,
}

/// The payload of a survey mutation.
#[derive(SimpleObject)]
pub struct SurveyPayload {
    /// The survey as it is now.
    pub survey: Survey,
}

#[derive(Default)]
pub struct ConsultationsQuery;

#[Object]
impl ConsultationsQuery {
    /// Surveys the viewer may see, newest first.
    #[graphql(
        visible = "shown::read",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those in these states.")] status: Option<Vec<SurveyStatus>>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Survey>> {
        let mut q = policy::visible_surveys(ctx.principal()?);
        if let Some(s) = status {
            q = q.filter(survey::Column::Status.is_in(s.into_iter().map(DbStatus::from).collect::<Vec<_>>()));
        }
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, survey::Column::Id, args, true, Survey).await
    }

    /// One survey; NOT_FOUND when it does not exist or the viewer may not see it.
    #[graphql(visible = "shown::read", guard = "Authenticated")]
    async fn survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survey (global id).")] id: ID,
    ) -> ApiResult<Survey> {
        let id = ids::id_of::<Survey>(&id, "id")?;
        Ok(Survey(service::load(&ctx.db().read, ctx.principal()?, id).await?.0))
    }
}

#[derive(Default)]
pub struct ConsultationsMutation;

#[Object]
impl ConsultationsMutation {
    /// The committee (for its community) or an office (for a region under
    /// it) writes a survey, or takes the standard satisfaction survey.
    #[graphql(visible = "shown::publish", guard = "Authenticated")]
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateSurveyInput,
    ) -> ApiResult<SurveyPayload> {
        let region = ids::id_of::<Region>(&input.region_id, "regionId")?;
        let questions = input
            .questions
            .unwrap_or_default()
            .into_iter()
            .map(|q| service::NewQuestion {
                kind: DbKind::from(q.kind),
                text: q.text,
                required: q.required.unwrap_or(false),
                options: q.options.unwrap_or_default(),
            })
            .collect();
        let n = service::NewSurvey {
            region_id: region,
            title: input.title,
            description: input.description,
            template: input.template,
            questions,
            share_results: input.share_results.unwrap_or(false),
            building_ids: input
                .building_ids
                .iter()
                .map(|b| ids::id_of::<crate::directory::graphql::Building>(b, "buildingIds"))
                .collect::<ApiResult<_>>()?,
        };
        let s = service::create(ctx.app(), ctx.principal()?, n).await?;
        Ok(SurveyPayload { survey: Survey(s) })
    }

    /// Its author's side opens a draft: eligible residents may answer.
    #[graphql(visible = "shown::publish", guard = "Authenticated")]
    async fn open_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SurveyStepInput,
    ) -> ApiResult<SurveyPayload> {
        let id = ids::id_of::<Survey>(&input.survey_id, "surveyId")?;
        Ok(SurveyPayload { survey: Survey(service::step(ctx.app(), ctx.principal()?, id, SurveyAction::Open).await?) })
    }

    /// Its author's side closes it: answers are final.
    #[graphql(visible = "shown::publish", guard = "Authenticated")]
    async fn close_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SurveyStepInput,
    ) -> ApiResult<SurveyPayload> {
        let id = ids::id_of::<Survey>(&input.survey_id, "surveyId")?;
        Ok(SurveyPayload { survey: Survey(service::step(ctx.app(), ctx.principal()?, id, SurveyAction::Close).await?) })
    }

    /// A resident answers (again, to change the answer) while it is open.
    /// The answer is anonymous: nothing records who gave it.
    #[graphql(visible = "shown::answer", guard = "Authenticated")]
    async fn answer_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AnswerSurveyInput,
    ) -> ApiResult<SurveyPayload> {
        let id = ids::id_of::<Survey>(&input.survey_id, "surveyId")?;
        let given = input
            .answers
            .into_iter()
            .map(|a| service::GivenAnswer {
                position: a.position,
                choice: a.choice,
                choices: a.choices,
                rating: a.rating,
                text: a.text,
            })
            .collect();
        Ok(SurveyPayload { survey: Survey(service::answer(ctx.app(), ctx.principal()?, id, given).await?) })
    }
}
