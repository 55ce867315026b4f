//! Writing, opening, closing and answering surveys. Each write: one
//! transaction, the survey through `visible_surveys` (NOT_FOUND otherwise),
//! the author's-side check, the lifecycle table, one audit row.

use chrono::Utc;
use entity::enums::{QuestionKind, Role, SurveyStatus};
use entity::{region, survey, survey_building, survey_participant, survey_question, survey_response};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use sha2::Sha256;

use super::Verbs;
use super::graphql::Survey;
use super::lifecycle::{self, SurveyAction};
use super::policy::{self, ConsultationsPermission};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Title};
use crate::policy::authorize;
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// The standard community satisfaction survey's name.
pub const SATISFACTION: &str = "COMMUNITY_SATISFACTION";
/// The most questions a survey has, and options a question.
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 20;
/// The longest free-text answer (characters).
pub const MAX_TEXT: usize = 500;

/// A question as written.
pub struct NewQuestion {
    pub kind: QuestionKind,
    pub text: String,
    pub required: bool,
    pub options: Vec<String>,
}

/// The standard satisfaction survey's questions: the first (the overall
/// rating) is the one the SURVEYED_SATISFACTION_RATE indicator counts.
pub fn satisfaction_questions() -> Vec<NewQuestion> {
    let q = |kind, text: &str, required, options: &[&str]| NewQuestion {
        kind,
        text: text.to_owned(),
        required,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    };
    vec![
        q(QuestionKind::Rating, "您对社区治理和服务的总体满意度（1–5）", true, &[]),
        q(QuestionKind::Rating, "问题反映的处理速度（1–5）", false, &[]),
        q(
            QuestionKind::MultipleChoice,
            "您最希望改进的方面",
            false,
            &["环境卫生", "停车", "安全", "养老服务", "文体活动"],
        ),
        q(QuestionKind::Text, "其他意见和建议", false, &[]),
    ]
}

/// A survey as written.
pub struct NewSurvey {
    pub region_id: i32,
    pub title: String,
    pub description: Option<String>,
    /// [`SATISFACTION`], or `None` for `questions`.
    pub template: Option<String>,
    pub questions: Vec<NewQuestion>,
    pub share_results: bool,
    /// Only for the residents of these buildings (the region a community).
    pub building_ids: Vec<i32>,
}

/// Write a survey as a DRAFT: with its questions, or from its template.
pub async fn create(app: &AppState, p: &Principal, n: NewSurvey) -> ApiResult<survey::Model> {
    let NewSurvey { region_id, title, description, template, questions, share_results, building_ids } = n;
    let (title, description, template) = (title.as_str(), description.as_deref(), template.as_deref());
    authorize(p, ConsultationsPermission::Publish)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("consultations.perm.publish")))?;
    let title = Title::parse("title", title)?.into_inner();
    let description = Body::parse_opt("description", description)?.map(Body::into_inner);
    let questions = match template {
        Some(SATISFACTION) if questions.is_empty() => satisfaction_questions(),
        Some(SATISFACTION) => return Err(ApiError::bad_input("questions", t!("consultations.template_or_questions"))),
        Some(_) => return Err(ApiError::bad_input("template", t!("consultations.no_such_template"))),
        None => questions,
    };
    if questions.is_empty() || questions.len() > MAX_QUESTIONS {
        return Err(ApiError::bad_input("questions", t!("consultations.questions_between", max = MAX_QUESTIONS)));
    }
    for (i, q) in questions.iter().enumerate() {
        Title::parse(&format!("questions.{i}.text"), &q.text)?;
        let choice = matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice);
        let ok = if choice { (2..=MAX_OPTIONS).contains(&q.options.len()) } else { q.options.is_empty() };
        if !ok || q.options.iter().any(|o| o.trim().is_empty() || o.chars().count() > 100) {
            let msg = t!("consultations.options_between", max = MAX_OPTIONS);
            return Err(ApiError::bad_input(format!("questions.{i}.options"), msg));
        }
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = region::Entity::find_by_id(region_id).one(txn).await?;
    let allowed = match (p.role, &r) {
        (Role::CommunityCommittee, Some(r)) => p.scope.community_id == Some(r.id),
        (Role::GovernmentOffice, Some(r)) => p.scope.region_path.as_deref().is_some_and(|o| r.path.starts_with(o)),
        (Role::PartyOrganisation, Some(r)) => crate::policy::party_over(p, &r.path),
        _ => false,
    };
    if !allowed {
        return Err(ApiError::bad_input("regionId", t!("consultations.region_not_yours")));
    }
    // Buildings narrow a community's survey (they are that community's).
    let buildings = match (&r, building_ids.is_empty()) {
        (_, true) => Vec::new(),
        (Some(r), false) if r.kind == entity::enums::RegionKind::Community => {
            crate::directory::service::buildings_of(txn, r.id, &building_ids, "buildingIds").await?
        }
        _ => return Err(ApiError::bad_input("buildingIds", t!("projects.not_building_community"))),
    };
    let now = Utc::now();
    let saved = survey::ActiveModel {
        id: NotSet,
        region_id: Set(region_id),
        author_account_id: Set(me),
        author_role: Set(p.role),
        title: Set(title),
        description: Set(description),
        template: Set(template.map(str::to_owned)),
        status: Set(SurveyStatus::Draft),
        share_results: Set(share_results),
        opened_at: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    for (i, q) in questions.into_iter().enumerate() {
        survey_question::ActiveModel {
            id: NotSet,
            survey_id: Set(saved.id),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX) + 1),
            kind: Set(q.kind),
            text: Set(q.text.trim().to_owned()),
            required: Set(q.required),
            options: Set(json!(q.options.iter().map(|o| o.trim()).collect::<Vec<_>>()).to_string()),
        }
        .insert(txn)
        .await?;
    }
    if !buildings.is_empty() {
        let rows =
            buildings.iter().map(|&b| survey_building::ActiveModel { survey_id: Set(saved.id), building_id: Set(b) });
        survey_building::Entity::insert_many(rows).exec(txn).await?;
    }
    uow.commit(Audit::of::<Survey>(Verbs::Create, saved.id)).await?;
    Ok(saved)
}

/// The survey `id` as `p` sees it, with its region's path.
pub async fn load(db: &impl ConnectionTrait, p: &Principal, id: i32) -> ApiResult<(survey::Model, String)> {
    let s = policy::visible_surveys(p)
        .filter(survey::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("Survey"))?;
    let path = region::Entity::find_by_id(s.region_id).one(db).await?.map(|r| r.path).unwrap_or_default();
    Ok((s, path))
}

/// Open or close survey `id`.
pub async fn step(app: &AppState, p: &Principal, id: i32, action: SurveyAction) -> ApiResult<survey::Model> {
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (s, path) = load(txn, p, id).await?;
    if !policy::runs(p, &s, &path) {
        return Err(ApiError::forbidden(t!("consultations.only_author")));
    }
    let mv = lifecycle::check(action, s.status)?;
    let now = Utc::now();
    let mut active: survey::ActiveModel = s.clone().into();
    active.status = Set(mv.to.unwrap_or(s.status));
    match action {
        SurveyAction::Open => active.opened_at = Set(Some(now)),
        _ => active.closed_at = Set(Some(now)),
    }
    let saved = active.update(txn).await?;
    uow.emit(
        Hook::of::<Survey>(EventType::SurveyStatusChanged, id)
            .community(s.region_id)
            .with("status", lifecycle::status_name(saved.status))
            .with("previousStatus", lifecycle::status_name(s.status)),
    );
    uow.commit(Audit::of::<Survey>(mv.verb, id)).await?;
    Ok(saved)
}

/// The keyed hash that joins a person's answer to them for the server only.
pub fn respondent_key(app: &AppState, survey_id: i32, account_id: i32) -> ApiResult<String> {
    let secret = app.config.jwt_secret.clone().unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| ApiError::internal(e.to_string()))?;
    mac.update(format!("survey:{survey_id}:{account_id}").as_bytes());
    Ok(mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect())
}

/// One answer as sent.
pub struct GivenAnswer {
    pub position: i32,
    pub choice: Option<i32>,
    pub choices: Option<Vec<i32>>,
    pub rating: Option<i32>,
    pub text: Option<String>,
}

/// Check answers against the questions: the JSON to store.
fn checked(questions: &[survey_question::Model], given: Vec<GivenAnswer>) -> ApiResult<Value> {
    let mut out = serde_json::Map::new();
    for (i, a) in given.into_iter().enumerate() {
        let field = format!("answers.{i}");
        let q = questions
            .iter()
            .find(|q| q.position == a.position)
            .ok_or_else(|| ApiError::bad_input(&field, t!("consultations.no_such_question")))?;
        let options = serde_json::from_str::<Vec<String>>(&q.options).unwrap_or_default().len();
        let in_range = |c: i32| usize::try_from(c).is_ok_and(|c| c < options);
        let value = match q.kind {
            QuestionKind::SingleChoice => a.choice.filter(|c| in_range(*c)).map(|c| json!(c)),
            QuestionKind::MultipleChoice => {
                a.choices.filter(|cs| !cs.is_empty() && cs.iter().all(|c| in_range(*c))).map(|mut cs| {
                    cs.sort_unstable();
                    cs.dedup();
                    json!(cs)
                })
            }
            QuestionKind::Rating => a.rating.filter(|r| (1..=5).contains(r)).map(|r| json!(r)),
            QuestionKind::Text => a
                .text
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty() && t.chars().count() <= MAX_TEXT)
                .map(|t| json!(t)),
        };
        let value = value.ok_or_else(|| ApiError::bad_input(&field, t!("consultations.answer_does_not_fit")))?;
        out.insert(q.position.to_string(), value);
    }
    if let Some(q) = questions.iter().find(|q| q.required && !out.contains_key(&q.position.to_string())) {
        return Err(ApiError::bad_input("answers", t!("consultations.required_question", position = q.position)));
    }
    Ok(Value::Object(out))
}

/// Answer survey `id` (or change the answer while it is open).
pub async fn answer(app: &AppState, p: &Principal, id: i32, given: Vec<GivenAnswer>) -> ApiResult<survey::Model> {
    authorize(p, ConsultationsPermission::Answer)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("consultations.perm.answer")))?;
    let community = p.scope.community_id.ok_or_else(|| ApiError::forbidden(t!("consultations.perm.answer")))?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (s, _) = load(txn, p, id).await?;
    lifecycle::check_answer(s.status)?;
    let questions = survey_question::Entity::find()
        .filter(survey_question::Column::SurveyId.eq(id))
        .order_by_asc(survey_question::Column::Position)
        .all(txn)
        .await?;
    let checked = checked(&questions, given)?;
    // The standard survey's overall rating, kept in a column for the
    // SURVEYED_SATISFACTION_RATE indicator.
    let satisfaction = (s.template.as_deref() == Some(SATISFACTION))
        .then(|| checked.get("1").and_then(Value::as_i64).and_then(|r| i32::try_from(r).ok()))
        .flatten();
    let answers = checked.to_string();
    let key = respondent_key(app, id, me)?;
    let now = Utc::now();
    // Who answered, without what: the key (survey, person) makes a second
    // concurrent first answer fail on the primary key, not count twice.
    let who = survey_participant::ActiveModel { survey_id: Set(id), account_id: Set(me), answered_at: Set(now) };
    let first = survey_participant::Entity::insert(who)
        .on_conflict_do_nothing_on([survey_participant::Column::SurveyId, survey_participant::Column::AccountId])
        .exec(txn)
        .await?;
    let first = matches!(first, sea_orm::TryInsertResult::Inserted(_));
    let mine = survey_response::Entity::find()
        .filter(survey_response::Column::SurveyId.eq(id))
        .filter(survey_response::Column::RespondentKey.eq(&key))
        .one(txn)
        .await?;
    match mine {
        Some(r) => {
            let mut active: survey_response::ActiveModel = r.into();
            active.answers = Set(answers);
            active.satisfaction = Set(satisfaction);
            active.update(txn).await?;
        }
        // They answered, but their answer is no longer found (the server
        // secret changed): refused, never counted twice.
        None if !first => return Err(ApiError::conflict(t!("consultations.answer_kept"))),
        None => {
            survey_response::ActiveModel {
                id: NotSet,
                survey_id: Set(id),
                community_id: Set(community),
                respondent_key: Set(key),
                answers: Set(answers),
                satisfaction: Set(satisfaction),
                // The day only: the time of an answer is not kept (it could
                // be matched with who answered when).
                updated_at: Set(now.date_naive().and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc())),
            }
            .insert(txn)
            .await?;
        }
    }
    // No audit row names the person or the survey answered at a moment:
    // the participants table is the record that they took part.
    uow.commit_unaudited("an anonymous answer").await?;
    Ok(s)
}
