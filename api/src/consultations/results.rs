//! A survey's results: aggregates only, computed from the answers, with
//! nothing shown under k respondents. Free text is listed sorted (not in the
//! order it came in, which could be matched with who answered when).

use entity::enums::QuestionKind;
use entity::{survey_question, survey_response};
use serde_json::Value;

/// One question's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuestionResult {
    pub position: i32,
    /// How many answered it.
    pub answered: i64,
    /// Per option (choices) or per rating 1–5 (ratings): how many chose it.
    pub counts: Vec<i64>,
    /// The mean rating.
    pub mean: Option<f64>,
    /// Free-text answers, sorted.
    pub texts: Vec<String>,
}

/// A survey's results, or only its respondent count when it is under k.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub respondents: i64,
    pub suppressed: bool,
    pub questions: Vec<QuestionResult>,
}

/// The results of a survey from its questions (in any order) and its
/// responses, suppressed under `k` respondents. The GraphQL field reads
/// both through loaders, so a list of surveys costs two statements
/// whatever its length.
pub fn compute(mut questions: Vec<survey_question::Model>, responses: &[survey_response::Model], k: i64) -> Results {
    questions.sort_by_key(|q| q.position);
    let answers: Vec<Value> = responses.iter().filter_map(|r| serde_json::from_str(&r.answers).ok()).collect();
    let respondents = i64::try_from(answers.len()).unwrap_or(i64::MAX);
    if respondents < k {
        return Results { respondents, suppressed: true, questions: Vec::new() };
    }
    Results { respondents, suppressed: false, questions: questions.iter().map(|q| tally(q, &answers)).collect() }
}

#[allow(clippy::cast_precision_loss)]
fn tally(q: &survey_question::Model, answers: &[Value]) -> QuestionResult {
    let key = q.position.to_string();
    let given: Vec<&Value> = answers.iter().filter_map(|a| a.get(&key)).collect();
    let options = serde_json::from_str::<Vec<String>>(&q.options).unwrap_or_default().len();
    let mut r = QuestionResult {
        position: q.position,
        answered: i64::try_from(given.len()).unwrap_or(i64::MAX),
        ..QuestionResult::default()
    };
    let bump = |counts: &mut Vec<i64>, i: Option<u64>| {
        if let Some(c) = i.and_then(|i| usize::try_from(i).ok()).and_then(|i| counts.get_mut(i)) {
            *c += 1;
        }
    };
    match q.kind {
        QuestionKind::SingleChoice => {
            r.counts = vec![0; options];
            for v in &given {
                bump(&mut r.counts, v.as_u64());
            }
        }
        QuestionKind::MultipleChoice => {
            r.counts = vec![0; options];
            for v in &given {
                for c in v.as_array().into_iter().flatten() {
                    bump(&mut r.counts, c.as_u64());
                }
            }
        }
        QuestionKind::Rating => {
            r.counts = vec![0; 5];
            let mut sum = 0;
            for v in &given {
                if let Some(x) = v.as_u64().filter(|x| (1..=5).contains(x)) {
                    bump(&mut r.counts, Some(x - 1));
                    sum += x;
                }
            }
            r.mean = (r.answered > 0).then(|| sum as f64 / r.answered as f64);
        }
        QuestionKind::Text => {
            r.texts = given.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            r.texts.sort();
        }
    }
    r
}
