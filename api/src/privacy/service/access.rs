//! The access records a principal may read: about themself, or (for
//! oversight) those their staff made, optionally of one staff member.

use entity::personal_data_access as access;
use sea_orm::{ColumnTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::policy;
use crate::privacy::policy::{PrivacyPermission, my_access_records, overseen_access_records};

/// Reads of the principal's own data.
pub fn my_access_log(p: &Principal) -> ApiResult<Select<access::Entity>> {
    policy::authorize(p, PrivacyPermission::OwnData)?;
    Ok(my_access_records(p))
}

/// Reads made by the staff the principal oversees, optionally by one viewer.
pub fn overseen_access_log(p: &Principal, viewer: Option<i32>) -> ApiResult<Select<access::Entity>> {
    policy::authorize(p, PrivacyPermission::Oversee)?;
    let q = overseen_access_records(p);
    Ok(match viewer {
        Some(v) => q.filter(access::Column::ViewerAccountId.eq(v)),
        None => q,
    })
}
