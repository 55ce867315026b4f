//! The personal-data table (PIPL Art. 6, 17, 28): every personal field
//! whose reads are recorded (`crate::access::Field`, matched exhaustively
//! here, so a new field cannot be recorded undescribed), with what it holds,
//! why it is kept, who may see it, whether it is sensitive and how long it
//! is kept. The README's table between the markers is this one (a unit test
//! compares them).

use crate::access::Field;

/// One line of the table.
pub struct Line {
    pub holds: &'static str,
    pub purpose: &'static str,
    pub seen_by: &'static str,
    pub sensitive: bool,
    pub kept: &'static str,
}

pub fn line(f: Field) -> Line {
    let (holds, purpose, seen_by, sensitive, kept) = match f {
        Field::RealName => (
            "`Account.realName`, a report's `reporter.realName`, a roster's `realName`",
            "identify a resident where a service or mediation needs it",
            "the person; their community's committee; the organisation assigned a report (not anonymous); platform admins",
            false,
            "until corrected or erased",
        ),
        Field::Phone => (
            "`Account.phone`, `HouseholdMember.phone`, a report's `reporter.phone`, a roster's `phone`, a volunteer sign-up's `phone`",
            "reach the resident about their report, request or an emergency",
            "the person; their committee; the organisation assigned their report; their building head in an emergency alert's roster, and in the household register only with the person's consent (`setPhoneSharing`); a volunteer activity's organiser when the person shared it on signing up; platform admins",
            false,
            "until corrected or erased",
        ),
        Field::Flat => (
            "`Household` (unit, number) and its `members`, a roster's `household`",
            "door-to-door care and emergency rounds",
            "the person and their household; their building head; their committee",
            false,
            "while they live there (moving out ends it)",
        ),
        Field::Memberships => (
            "`Account.memberships`",
            "what the person may do, where",
            "the person; their committee; platform admins",
            false,
            "while held",
        ),
        Field::Reporter => (
            "`Report.reporter`",
            "follow up with whoever reported",
            "the reporter; the committee and office; the building head of the building; the assigned organisation unless anonymous; platform admins",
            false,
            "with the report (erasure: \"a former resident\")",
        ),
        Field::AlertAnswer => (
            "a roster's and `needHelp`'s `state`, `respondedAt`",
            "find who needs help in an emergency",
            "the person; their building head and committee; the office that published the alert (NEED_HELP list)",
            false,
            "`GONGZHI_RETENTION_ALERT_ANSWERS_DAYS` after the alert closes (default 180)",
        ),
        Field::AlertNote => (
            "a roster's `note` and `visitNote`",
            "what help is needed (may be health-related)",
            "the person; their building head and committee",
            true,
            "as alert answers",
        ),
        Field::ServiceReceived => (
            "`DeliveryRecord.resident`",
            "account for services delivered to a person",
            "the person; the delivering organisation; their committee; platform admins",
            false,
            "with the record; erasure removes the person, the record stays",
        ),
        Field::CareNeeds => (
            "`Household.vulnerabilities`",
            "care for households that need it (elderly living alone, disability, illness)",
            "the building head of the building; the committee (set with the household's recorded consent)",
            true,
            "until removed or the household leaves",
        ),
        Field::PartyMembership => (
            "`PartyMemberRegistration` (`myPartyMemberRegistration`, `partyMemberRegistrations`)",
            "the party organisation's register of members who reported to it (党员报到), given voluntarily",
            "the person and the party organisation over the community; nobody else, no API client, no export to district systems",
            true,
            "until the person erases it (`eraseMyPartyMemberRegistration`) or deletes the account",
        ),
    };
    Line { holds, purpose, seen_by, sensitive, kept }
}

/// Markers around the README's table.
pub const BEGIN: &str = "<!-- personal-data-table: generated from api/src/privacy/catalogue.rs -->";
pub const END: &str = "<!-- /personal-data-table -->";

/// The table in Markdown.
pub fn table() -> String {
    let mut out = String::from(
        "| field (in access records) | where | purpose | who may see it | sensitive | kept |\n| --- | --- | --- | --- | :-: | --- |\n",
    );
    for f in Field::ALL {
        let l = line(f);
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            f.wire(),
            l.holds,
            l.purpose,
            l.seen_by,
            if l.sensitive { "yes" } else { "" },
            l.kept
        ));
    }
    out
}

/// `readme` with its personal-data table replaced by this one; `None`
/// without the markers (`export-schema --write` keeps it up to date).
pub fn with_table(readme: &str) -> Option<String> {
    let (head, rest) = readme.split_once(BEGIN)?;
    let (_, tail) = rest.split_once(END)?;
    Some(format!("{head}{BEGIN}\n\n{}\n{END}{tail}", table()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_has_the_table() {
        let readme = include_str!("../../../README.md");
        let (_, rest) = readme.split_once(super::BEGIN).expect("README: no personal-data table");
        let (table, _) = rest.split_once(super::END).expect("README: the table does not end");
        assert_eq!(table.trim(), super::table().trim(), "README's personal-data table differs from the catalogue");
    }
}
