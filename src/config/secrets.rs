//! Secrets that come only from the environment: the bot token and the
//! webhook secret. Their `Debug` never shows them and they have no `Display`.

use std::fmt;

use super::ConfigError;

/// The only place the bot token may come from.
pub const TOKEN_VAR: &str = "BOT_TOKEN";

const WEBHOOK_SECRET_VAR: &str = "WEBHOOK_SECRET";

/// The secret that the "fetch now" endpoint (`POST /fetch`) asks for.
pub const FETCH_SECRET_VAR: &str = "FETCH_SECRET";

/// The longest token secret accepted (Telegram's are 35 characters).
const TOKEN_SECRET_MAX: usize = 128;

/// The secret Telegram sends with every webhook request
/// (`X-Telegram-Bot-Api-Secret-Token`). Never shown, like the token.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Reads `WEBHOOK_SECRET`: 1–256 characters of A–Z, a–z, 0–9, `_` and `-` (Telegram's rule).
pub fn webhook_secret_from_env<I>(env: I) -> Result<WebhookSecret, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let secret = env
        .into_iter()
        .find_map(|(name, value)| (name == WEBHOOK_SECRET_VAR).then_some(value))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ConfigError::Env {
            var: WEBHOOK_SECRET_VAR.to_owned(),
            message: "is not set; webhook mode needs a secret Telegram sends with every update".to_owned(),
        })?;
    let valid = secret.len() <= 256 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(ConfigError::Env {
            var: WEBHOOK_SECRET_VAR.to_owned(),
            message: "must be 1-256 characters of A-Z, a-z, 0-9, _ and -".to_owned(),
        });
    }
    Ok(WebhookSecret(secret))
}

/// The secret of `POST /fetch` ("fetch now" for other CMSs and scripts). Never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchSecret(String);

impl FetchSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FetchSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FetchSecret(<redacted>)")
    }
}

/// Reads `FETCH_SECRET`: unset or empty means no "fetch now" endpoint; else
/// 16-256 characters of A-Z, a-z, 0-9, `_` and `-`.
pub fn fetch_secret_from_env<I>(env: I) -> Result<Option<FetchSecret>, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let Some(secret) = env
        .into_iter()
        .find_map(|(name, value)| (name == FETCH_SECRET_VAR).then_some(value))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
    else {
        return Ok(None);
    };
    let valid = (16..=256).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(ConfigError::Env {
            var: FETCH_SECRET_VAR.to_owned(),
            message: "must be 16-256 characters of A-Z, a-z, 0-9, _ and -".to_owned(),
        });
    }
    Ok(Some(FetchSecret(secret)))
}

/// The bot token. Its `Debug` never shows it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(<redacted>)")
    }
}

/// Reads the bot token from the environment.
pub fn bot_token_from_env<I>(env: I) -> Result<BotToken, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let token = env
        .into_iter()
        .find_map(|(name, value)| (name == TOKEN_VAR).then_some(value))
        .ok_or(ConfigError::MissingToken)?;
    let token = token.trim();
    if token.is_empty() {
        return Err(ConfigError::MissingToken);
    }
    // "<bot id>:<secret>": the id a positive 64-bit number, the secret (35
    // characters today) of a sane length, so an absurd value is a config error.
    let well_formed = token.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && id.parse::<i64>().is_ok_and(|id| id > 0)
            && (1..=TOKEN_SECRET_MAX).contains(&secret.len())
            && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if !well_formed {
        return Err(ConfigError::MalformedToken);
    }
    Ok(BotToken::new(token))
}
