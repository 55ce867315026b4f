//! GraphQL of special funds and participatory budgets: the types
//! ([`types`], [`rounds`]), the queries ([`queries`]) and the mutations of
//! money ([`money`]) and of budget rounds ([`round_mutations`]).
use async_graphql::{MergedObject, SimpleObject};

pub mod money;
pub mod queries;
pub mod round_mutations;
pub mod rounds;
pub mod types;

pub use money::*;
pub use queries::*;
pub use round_mutations::*;
pub use rounds::{BudgetRound, BudgetRoundStatus};
pub use types::{Fund, FundAllocation, FundExpenditure, FundStatus, PayeeType, ProjectFunding};

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::funds::policy::FundsPermission;

    crate::shown! {
        read_funds => FundsPermission::ReadFunds;
        manage_funds => FundsPermission::ManageFunds;
        spend => FundsPermission::Spend;
        prepare_round => FundsPermission::PrepareRound;
        close_round => FundsPermission::CloseRound;
        ballot => FundsPermission::Ballot;
    }
}

macro_rules! payloads {
    ($($(#[$m:meta])* $name:ident { $(#[$fm:meta])* $field:ident: $ty:ty })*) => {$(
        $(#[$m])*
        #[derive(SimpleObject)]
        pub struct $name {
            $(#[$fm])*
            pub $field: $ty,
        }
    )*};
}

payloads! {
    /// The result of `createFund`.
    CreateFundPayload { /// The fund.
        fund: Fund }
    /// The result of `freezeFund`.
    FreezeFundPayload { /// The fund after the change.
        fund: Fund }
    /// The result of `unfreezeFund`.
    UnfreezeFundPayload { /// The fund after the change.
        fund: Fund }
    /// The result of `closeFund`.
    CloseFundPayload { /// The fund after the change.
        fund: Fund }
    /// The result of `allocateFunds`.
    AllocateFundsPayload { /// The allocation after the change.
        allocation: FundAllocation }
    /// The result of `changeAllocation`.
    ChangeAllocationPayload { /// The allocation after the change.
        allocation: FundAllocation }
    /// The result of `withdrawAllocation`.
    WithdrawAllocationPayload { /// The allocation after the change.
        allocation: FundAllocation }
    /// The result of `recordExpenditure`.
    RecordExpenditurePayload { /// The expenditure (PENDING).
        expenditure: FundExpenditure }
    /// The result of `approveExpenditure`.
    ApproveExpenditurePayload { /// The expenditure after the change.
        expenditure: FundExpenditure }
    /// The result of `rejectExpenditure`.
    RejectExpenditurePayload { /// The expenditure after the change.
        expenditure: FundExpenditure }
    /// The result of `openBudgetRound`.
    OpenBudgetRoundPayload { /// The round.
        round: BudgetRound }
    /// The result of `addBudgetRoundProject`.
    AddBudgetRoundProjectPayload { /// The round after the change.
        round: BudgetRound }
    /// The result of `startBudgetRoundVoting`.
    StartBudgetRoundVotingPayload { /// The round after the change.
        round: BudgetRound }
    /// The result of `castBudgetBallot`.
    CastBudgetBallotPayload { /// The round, with the viewer's selection.
        round: BudgetRound }
    /// The result of `closeBudgetRound`.
    CloseBudgetRoundPayload { /// The round with its result.
        round: BudgetRound }
    /// The result of `cancelBudgetRound`.
    CancelBudgetRoundPayload { /// The round after the change.
        round: BudgetRound }
}

/// The funds domain's query root entry.
pub type FundsQuery = FundsQueries;

/// The funds domain's mutations.
#[derive(MergedObject, Default)]
pub struct FundsMutation(MoneyMutation, RoundsMutation);
