//! The `WARTA__SECTION__KEY` overlay: environment variables set keys of the
//! parsed bot.toml before it is read into [`super::Config`] (env wins).

use std::collections::BTreeMap;

use super::ConfigError;

/// Prefix of environment variables that override keys of the config file.
pub const ENV_PREFIX: &str = "WARTA__";
/// The conventional variable for a database URL: `storage.database`, unless
/// `WARTA__STORAGE__DATABASE` is set too (the more specific one wins).
pub const DATABASE_URL_VAR: &str = "DATABASE_URL";
const DATABASE_VAR: &str = "WARTA__STORAGE__DATABASE";

/// Applies `WARTA__SECTION__KEY=value` variables to the parsed document.
/// Returns which key each variable set, so errors can name the variable.
pub(super) fn apply_env_overrides<I>(
    document: &mut toml::Table,
    env: I,
) -> Result<BTreeMap<String, String>, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut applied = BTreeMap::new();
    let env: Vec<(String, String)> = env.into_iter().collect();
    let mut vars: Vec<(String, String)> =
        env.iter().filter(|(name, _)| name.starts_with(ENV_PREFIX)).cloned().collect();
    if !vars.iter().any(|(name, _)| name == DATABASE_VAR)
        && let Some((_, url)) = env.iter().find(|(name, value)| name == DATABASE_URL_VAR && !value.is_empty())
    {
        let key = set_path(document, &["storage".into(), "database".into()], url)
            .map_err(|message| ConfigError::Env { var: DATABASE_URL_VAR.into(), message })?;
        applied.insert(key, DATABASE_URL_VAR.into());
    }
    // Deterministic order, so that creating feeds[1] after feeds[0] works.
    vars.sort();
    for (var, raw) in vars {
        let segments: Vec<String> = var[ENV_PREFIX.len()..].split("__").map(|s| s.to_ascii_lowercase()).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::Env { var, message: "expected WARTA__SECTION__KEY".into() });
        }
        let key =
            set_path(document, &segments, &raw).map_err(|message| ConfigError::Env { var: var.clone(), message })?;
        applied.insert(key, var);
    }
    Ok(applied)
}

/// Sets one value; returns the key path in the same form serde_path_to_error prints.
fn set_path(document: &mut toml::Table, segments: &[String], raw: &str) -> Result<String, String> {
    let mut key = String::new();
    let mut table = document;
    let (last, parents) = segments.split_last().ok_or("empty key")?;
    let mut index = 0;
    while index < parents.len() {
        let name = &parents[index];
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(name);
        let next_is_index = parents.get(index + 1).and_then(|s| s.parse::<usize>().ok());
        match next_is_index {
            Some(position) => {
                let entry = table.entry(name.clone()).or_insert_with(|| toml::Value::Array(Vec::new()));
                let array = entry.as_array_mut().ok_or_else(|| format!("{key} is not a list"))?;
                if position > array.len() {
                    return Err(format!("{key}[{position}] does not exist ({key} has {} entries)", array.len()));
                }
                if position == array.len() {
                    array.push(toml::Value::Table(toml::Table::new()));
                }
                key.push_str(&format!("[{position}]"));
                table = array[position].as_table_mut().ok_or_else(|| format!("{key} is not a table"))?;
                index += 2;
            }
            None => {
                let entry = table.entry(name.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry.as_table_mut().ok_or_else(|| format!("{key} is not a section"))?;
                index += 1;
            }
        }
    }
    if !key.is_empty() {
        key.push('.');
    }
    key.push_str(last);
    let value = env_value(table.get(last.as_str()), raw);
    table.insert(last.clone(), value);
    Ok(key)
}

/// Interprets an environment value: a string stays a string where the file has
/// a string; otherwise it is read as a TOML value (`42`, `true`, `[1, 2]`),
/// with bare comma lists accepted for lists.
fn env_value(existing: Option<&toml::Value>, raw: &str) -> toml::Value {
    let trimmed = raw.trim();
    match existing {
        Some(toml::Value::String(_)) => return toml::Value::String(raw.to_owned()),
        Some(toml::Value::Array(_)) if !trimmed.starts_with('[') => {
            if let Some(value) = parse_toml_value(&format!("[{trimmed}]")) {
                return value;
            }
        }
        _ => {}
    }
    parse_toml_value(trimmed).unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn parse_toml_value(raw: &str) -> Option<toml::Value> {
    let mut table: toml::Table = toml::from_str(&format!("value = {raw}")).ok()?;
    table.remove("value")
}
