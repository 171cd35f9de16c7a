//! `[admins]`: who may use the admin commands.

use serde::Deserialize;

use super::check::{self, Invalid, within};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminsConfig {
    #[serde(default)]
    pub user_ids: Vec<i64>,
}

/// Telegram user ids are positive and have at most 52 significant bits.
pub(super) const USER_ID: (i64, i64) = (1, (1 << 52) - 1);
/// Most admins.
pub(super) const ADMINS_MAX: usize = 100;

impl AdminsConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("admins.user_ids", self.user_ids.len(), 0, ADMINS_MAX, check::entries)?;
        for (index, id) in self.user_ids.iter().enumerate() {
            let key = format!("admins.user_ids[{index}]");
            if *id <= 0 {
                return Err((key, "Telegram user ids are positive numbers".into()));
            }
            within(key, *id, USER_ID.0, USER_ID.1, check::number)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_bounds() {
        let with = |id| AdminsConfig { user_ids: vec![42, id] }.validate();
        assert!(with(USER_ID.0).is_ok() && with(USER_ID.1).is_ok());
        assert_eq!(with(USER_ID.0 - 1).expect_err("zero").0, "admins.user_ids[1]");
        assert_eq!(with(USER_ID.1 + 1).expect_err("too large").0, "admins.user_ids[1]");
        let many = |n| AdminsConfig { user_ids: vec![7; n] }.validate();
        assert!(many(ADMINS_MAX).is_ok());
        assert_eq!(many(ADMINS_MAX + 1).expect_err("too many").0, "admins.user_ids");
    }
}
