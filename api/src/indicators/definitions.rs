//! The indicators: what each one counts, in which unit, and whether higher
//! is better (for rankings). The words of each definition are the GraphQL
//! enum's descriptions (`graphql.rs`) and the README's table; a test keeps
//! the two the same.

/// One governance indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Indicator {
    ReportResolutionRate,
    ReportResolutionHoursMedian,
    ReportResolutionHoursP90,
    ReportOverdueShare,
    SatisfactionRate,
    SatisfactionRateReports,
    SatisfactionRateServices,
    SatisfactionRateProjects,
    SurveyedSatisfactionRate,
    ParticipationRate,
    FundExecutionRate,
    ServiceDeliveries,
    ServiceBeneficiaries,
    ServiceHours,
    ProjectsProposed,
    ProjectsApproved,
    ProjectsCompleted,
    ProjectsEvaluated,
}

/// What a value measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// numerator / denominator, between 0 and 1.
    Ratio,
    Hours,
    Count,
}

use Indicator::*;

impl Indicator {
    pub const ALL: [Indicator; 18] = [
        ReportResolutionRate,
        ReportResolutionHoursMedian,
        ReportResolutionHoursP90,
        ReportOverdueShare,
        SatisfactionRate,
        SatisfactionRateReports,
        SatisfactionRateServices,
        SatisfactionRateProjects,
        SurveyedSatisfactionRate,
        ParticipationRate,
        FundExecutionRate,
        ServiceDeliveries,
        ServiceBeneficiaries,
        ServiceHours,
        ProjectsProposed,
        ProjectsApproved,
        ProjectsCompleted,
        ProjectsEvaluated,
    ];

    /// The stored and wire name.
    pub fn wire(self) -> &'static str {
        match self {
            ReportResolutionRate => "REPORT_RESOLUTION_RATE",
            ReportResolutionHoursMedian => "REPORT_RESOLUTION_HOURS_MEDIAN",
            ReportResolutionHoursP90 => "REPORT_RESOLUTION_HOURS_P90",
            ReportOverdueShare => "REPORT_OVERDUE_SHARE",
            SatisfactionRate => "SATISFACTION_RATE",
            SatisfactionRateReports => "SATISFACTION_RATE_REPORTS",
            SatisfactionRateServices => "SATISFACTION_RATE_SERVICES",
            SatisfactionRateProjects => "SATISFACTION_RATE_PROJECTS",
            SurveyedSatisfactionRate => "SURVEYED_SATISFACTION_RATE",
            ParticipationRate => "PARTICIPATION_RATE",
            FundExecutionRate => "FUND_EXECUTION_RATE",
            ServiceDeliveries => "SERVICE_DELIVERIES",
            ServiceBeneficiaries => "SERVICE_BENEFICIARIES",
            ServiceHours => "SERVICE_HOURS",
            ProjectsProposed => "PROJECTS_PROPOSED",
            ProjectsApproved => "PROJECTS_APPROVED",
            ProjectsCompleted => "PROJECTS_COMPLETED",
            ProjectsEvaluated => "PROJECTS_EVALUATED",
        }
    }

    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.wire() == s)
    }

    pub fn unit(self) -> Unit {
        match self {
            ReportResolutionHoursMedian | ReportResolutionHoursP90 | ServiceHours => Unit::Hours,
            ServiceDeliveries | ServiceBeneficiaries | ProjectsProposed | ProjectsApproved | ProjectsCompleted
            | ProjectsEvaluated => Unit::Count,
            _ => Unit::Ratio,
        }
    }

    /// For rankings: is a smaller value the better one?
    pub fn lower_is_better(self) -> bool {
        matches!(self, ReportResolutionHoursMedian | ReportResolutionHoursP90 | ReportOverdueShare)
    }

    /// Shown to residents of the community. The others are the working
    /// figures of committees, offices and district systems (per-source
    /// satisfaction, overdue share, the resolution-time tail).
    pub fn public(self) -> bool {
        matches!(
            self,
            ReportResolutionRate
                | ReportResolutionHoursMedian
                | SatisfactionRate
                | SurveyedSatisfactionRate
                | ParticipationRate
                | FundExecutionRate
                | ServiceDeliveries
                | ServiceHours
                | ProjectsProposed
                | ProjectsApproved
                | ProjectsCompleted
                | ProjectsEvaluated
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for i in Indicator::ALL {
            assert_eq!(Indicator::from_wire(i.wire()), Some(i));
            assert!(seen.insert(i.wire()));
            assert!(i.wire().len() <= 40, "the column holds 40 characters");
        }
    }
}
