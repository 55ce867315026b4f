//! The demo dataset: one district with two streets, three communities with
//! buildings and flats (unit 1, 101 to 302, in every building of 桃园社区
//! and the first of the others; each demo resident lives in one), one
//! organisation of each kind, one account per role (password
//! `demo-password`), the `demo-district` and `demo-ngo-sync` API clients
//! and one published service with a session. Seeded through the
//! same service functions as the API, acting as the command-line system
//! principal, so the demo obeys every rule real data does.

use entity::enums::{OrganisationKind, RegionKind, Role};
use entity::region;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::accounts::service::{self as accounts, NewAccount, ScopeInput};
use crate::auth::Principal;
use crate::db::Db;
use crate::directory::service::{self as directory, NewOrganisation, NewRegion};
use crate::error::ApiResult;
use crate::residency::service as residency;

pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEMO_CLIENT_ID: &str = "demo-district";
pub const DEMO_CLIENT_SECRET: &str = "demo-district-secret";
/// The machine client of the demo NGO's own system (pushes delivery records).
pub const DEMO_NGO_CLIENT_ID: &str = "demo-ngo-sync";
pub const DEMO_NGO_CLIENT_SECRET: &str = "demo-ngo-sync-secret";

/// Demo API clients: client id, secret, what it is (the banner lists them).
pub const DEMO_CLIENTS: [(&str, &str, &str); 2] = [
    (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, "DISTRICT_SYSTEM of 和平区: indicators and aggregates"),
    (DEMO_NGO_CLIENT_ID, DEMO_NGO_CLIENT_SECRET, "SOCIAL_ORGANIZATION system of 阳光社工服务中心: delivery records"),
];

/// Demo logins: username, role, what it is.
pub const DEMO_ACCOUNTS: [(&str, &str); 9] = [
    ("demo-resident", "RESIDENT of 桃园社区 (Peach Garden), building 1"),
    ("demo-building-head", "BUILDING_HEAD of 桃园社区 building 1"),
    ("demo-committee", "COMMUNITY_COMMITTEE of 桃园社区"),
    ("demo-office", "GOVERNMENT_OFFICE of 东湖街道 (East Lake street)"),
    ("demo-ngo", "SOCIAL_ORGANIZATION 阳光社工服务中心"),
    ("demo-property", "PROPERTY_COMPANY 安居物业"),
    ("demo-admin", "PLATFORM_ADMIN"),
    ("demo-resident-river", "RESIDENT of 河湾社区 (River Bend), another street"),
    ("demo-party", "PARTY_ORGANISATION 桃园社区党委"),
];

/// Seeds the demo data if the database has no regions yet. Returns whether
/// it seeded.
pub async fn seed_demo(db: &Db) -> ApiResult<bool> {
    if region::Entity::find().count(&db.read).await? > 0 {
        return Ok(false);
    }
    let sys = Principal::system();
    let region =
        |name: &str, code: &str, kind, parent_id| NewRegion { name: name.into(), code: code.into(), kind, parent_id };
    let district = directory::create_region(db, &sys, region("和平区", "110199", RegionKind::District, None)).await?;
    let east =
        directory::create_region(db, &sys, region("东湖街道", "11019901", RegionKind::Street, Some(district.id)))
            .await?;
    let west =
        directory::create_region(db, &sys, region("西山街道", "11019902", RegionKind::Street, Some(district.id)))
            .await?;
    let peach =
        directory::create_region(db, &sys, region("桃园社区", "1101990101", RegionKind::Community, Some(east.id)))
            .await?;
    let willow =
        directory::create_region(db, &sys, region("柳巷社区", "1101990102", RegionKind::Community, Some(east.id)))
            .await?;
    let river =
        directory::create_region(db, &sys, region("河湾社区", "1101990201", RegionKind::Community, Some(west.id)))
            .await?;
    let mut first_buildings = Vec::new();
    // Flats by building: unit 1, floors 1 to 3, two flats a floor
    // (101, 102, …, 302); `flats[0]` are 桃园社区 building 1's.
    let mut flats: Vec<Vec<i32>> = Vec::new();
    let numbers: Vec<String> = (1..=3).flat_map(|f| [format!("{f}01"), format!("{f}02")]).collect();
    for c in [&peach, &willow, &river] {
        for n in 1..=3 {
            let b = directory::create_building(db, &sys, c.id, &format!("{n}号楼")).await?;
            if n == 1 {
                first_buildings.push(b.id);
                flats.push(
                    residency::add_households(db, &sys, b.id, "1", numbers.clone())
                        .await?
                        .into_iter()
                        .map(|h| h.id)
                        .collect(),
                );
            } else if c.id == peach.id {
                residency::add_households(db, &sys, b.id, "1", numbers.clone()).await?;
            }
        }
    }
    let (peach_b1, river_b1) = (first_buildings[0], first_buildings[2]);
    // demo-resident in 101, demo-building-head in 201; the river resident in 101.
    let flat = |b: usize, i: usize| flats.get(b).and_then(|f| f.get(i)).copied();

    let org = |name: &str, kind, region_id, service_area: Vec<i32>| NewOrganisation {
        name: name.into(),
        kind,
        region_id,
        service_area,
    };
    let office = directory::create_organisation(
        db,
        &sys,
        org("东湖街道办事处", OrganisationKind::GovernmentOffice, east.id, vec![peach.id, willow.id]),
    )
    .await?;
    let committee = directory::create_organisation(
        db,
        &sys,
        org("桃园社区居委会", OrganisationKind::CommunityCommittee, peach.id, vec![peach.id]),
    )
    .await?;
    let ngo = directory::create_organisation(
        db,
        &sys,
        org("阳光社工服务中心", OrganisationKind::SocialOrganization, district.id, vec![peach.id, willow.id]),
    )
    .await?;
    let property = directory::create_organisation(
        db,
        &sys,
        org("安居物业", OrganisationKind::PropertyCompany, district.id, vec![peach.id, river.id]),
    )
    .await?;

    // The community's party organisation: it serves no area (it is no
    // provider); its scope is its community.
    let party = directory::create_organisation(
        db,
        &sys,
        org("桃园社区党委", OrganisationKind::PartyOrganisation, peach.id, vec![]),
    )
    .await?;

    let people: [(&str, &str, &str, &str, Role, ScopeInput); 9] = [
        (
            "demo-resident",
            "小李",
            "李明",
            "13800000001",
            Role::Resident,
            ScopeInput { building_id: Some(peach_b1), household_id: flat(0, 0), ..Default::default() },
        ),
        (
            "demo-building-head",
            "王阿姨",
            "王芳",
            "13800000002",
            Role::BuildingHead,
            ScopeInput { building_id: Some(peach_b1), household_id: flat(0, 2), ..Default::default() },
        ),
        (
            "demo-committee",
            "张主任",
            "张伟",
            "13800000003",
            Role::CommunityCommittee,
            ScopeInput { region_id: Some(peach.id), organisation_id: Some(committee.id), ..Default::default() },
        ),
        (
            "demo-office",
            "刘科长",
            "刘洋",
            "13800000004",
            Role::GovernmentOffice,
            ScopeInput { region_id: Some(east.id), organisation_id: Some(office.id), ..Default::default() },
        ),
        (
            "demo-ngo",
            "陈社工",
            "陈静",
            "13800000005",
            Role::SocialOrganization,
            ScopeInput { organisation_id: Some(ngo.id), ..Default::default() },
        ),
        (
            "demo-property",
            "赵经理",
            "赵强",
            "13800000006",
            Role::PropertyCompany,
            ScopeInput { organisation_id: Some(property.id), ..Default::default() },
        ),
        ("demo-admin", "平台管理员", "管理员", "13800000007", Role::PlatformAdmin, ScopeInput::default()),
        (
            "demo-resident-river",
            "小周",
            "周杰",
            "13800000008",
            Role::Resident,
            ScopeInput { building_id: Some(river_b1), household_id: flat(2, 0), ..Default::default() },
        ),
        (
            "demo-party",
            "孙书记",
            "孙丽",
            "13800000009",
            Role::PartyOrganisation,
            ScopeInput { region_id: Some(peach.id), organisation_id: Some(party.id), ..Default::default() },
        ),
    ];
    for (username, display, real, phone, role, scope) in people {
        let a = accounts::create_account(
            db,
            &sys,
            NewAccount {
                username: username.into(),
                display_name: display.into(),
                real_name: Some(real.into()),
                phone: Some(phone.into()),
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
        accounts::add_membership(db, &sys, a.id, role, scope).await?;
    }
    accounts::insert_api_client(
        db,
        &sys,
        "和平区治理平台 (demo)".into(),
        DEMO_CLIENT_ID.into(),
        DEMO_CLIENT_SECRET,
        Role::DistrictSystem,
        ScopeInput { region_id: Some(district.id), ..Default::default() },
    )
    .await?;
    accounts::insert_api_client(
        db,
        &sys,
        "阳光社工服务中心 system (demo)".into(),
        DEMO_NGO_CLIENT_ID.into(),
        DEMO_NGO_CLIENT_SECRET,
        Role::SocialOrganization,
        ScopeInput { organisation_id: Some(ngo.id), ..Default::default() },
    )
    .await?;
    seed_services(db, ngo.id, peach.id, willow.id).await?;
    Ok(true)
}

/// One service of the demo NGO in two communities, with a session next week.
async fn seed_services(db: &Db, ngo: i32, peach: i32, willow: i32) -> ApiResult<()> {
    use crate::auth::Scope;
    use crate::services::catalogue::{self, ServiceInput};
    let as_ngo = Principal {
        role: Role::SocialOrganization,
        scope: Scope { organisation_id: Some(ngo), ..Scope::default() },
        ..Principal::system()
    };
    let s = catalogue::publish(
        db,
        &as_ngo,
        ServiceInput {
            name: "居家养老上门服务 (home visits for older residents)".into(),
            description: "Social workers visit older residents at home: company, health checks, help with errands."
                .into(),
            category: entity::enums::ServiceCategory::ElderlyCare,
            eligibility_description: Some("Residents aged 70 or over, or living alone".into()),
            schedule: Some("Mon–Fri 09:00–17:00".into()),
            fee_fen: None,
            contact: Some("010-5555 0100".into()),
            community_ids: vec![peach, willow],
        },
    )
    .await?;
    let start = chrono::Utc::now() + chrono::Duration::days(7);
    catalogue::add_session(db, &as_ngo, s.id, peach, start, start + chrono::Duration::hours(2), 10).await?;
    Ok(())
}
