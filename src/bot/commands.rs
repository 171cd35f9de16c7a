//! Parsing of reader commands. Pure.

/// Articles /latest shows without a number.
pub const LATEST_DEFAULT: u32 = 5;
/// The most /latest N may ask for.
pub const LATEST_MAX: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start` with an optional deep-link payload.
    Start {
        payload: Option<String>,
    },
    Help,
    Latest(LatestArg),
    Subscribe,
    Unsubscribe,
    /// A command addressed to us that we do not know.
    Unknown(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatestArg {
    Count(u32),
    /// Anything but a number from 1 to [`LATEST_MAX`].
    Invalid,
}

/// Parses a message text as a command for the bot called `bot_username`.
///
/// Returns `None` for text that is not a command, and for commands addressed
/// to another bot (`/latest@otherbot`).
pub fn parse_command(text: &str, bot_username: &str) -> Option<Command> {
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim()),
        None => (rest, ""),
    };
    let (name, addressee) = match head.split_once('@') {
        Some((name, addressee)) => (name, Some(addressee)),
        None => (head, None),
    };
    if let Some(addressee) = addressee
        && !addressee.eq_ignore_ascii_case(bot_username)
    {
        return None;
    }
    if name.is_empty() {
        return None;
    }
    let command = match name.to_ascii_lowercase().as_str() {
        "start" => Command::Start { payload: (!args.is_empty()).then(|| args.to_owned()) },
        "help" | "bantuan" => Command::Help,
        "latest" | "terbaru" => Command::Latest(parse_latest_arg(args)),
        "subscribe" | "langganan" => Command::Subscribe,
        "unsubscribe" | "berhenti" => Command::Unsubscribe,
        _ => Command::Unknown(name.chars().take(64).collect()),
    };
    Some(command)
}

fn parse_latest_arg(args: &str) -> LatestArg {
    if args.is_empty() {
        return LatestArg::Count(LATEST_DEFAULT);
    }
    match args.parse::<u32>() {
        Ok(n) if (1..=LATEST_MAX).contains(&n) => LatestArg::Count(n),
        _ => LatestArg::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: &str = "warta_bot";

    #[test]
    fn parses_known_commands() {
        assert_eq!(parse_command("/start", BOT), Some(Command::Start { payload: None }));
        assert_eq!(parse_command("/start subscribe", BOT), Some(Command::Start { payload: Some("subscribe".into()) }));
        assert_eq!(parse_command("/help", BOT), Some(Command::Help));
        assert_eq!(parse_command("/latest", BOT), Some(Command::Latest(LatestArg::Count(5))));
        assert_eq!(parse_command("/latest 2", BOT), Some(Command::Latest(LatestArg::Count(2))));
        assert_eq!(parse_command("/latest   20  ", BOT), Some(Command::Latest(LatestArg::Count(20))));
        assert_eq!(parse_command("/LATEST@Warta_Bot 3", BOT), Some(Command::Latest(LatestArg::Count(3))));
        assert_eq!(parse_command("/subscribe", BOT), Some(Command::Subscribe));
        assert_eq!(parse_command("/langganan", BOT), Some(Command::Subscribe));
        assert_eq!(parse_command("/unsubscribe@warta_bot", BOT), Some(Command::Unsubscribe));
    }

    #[test]
    fn bad_latest_arguments_are_invalid() {
        for bad in [
            "/latest banyak",
            "/latest 0",
            "/latest 21",
            "/latest -1",
            "/latest 2 3",
            "/latest 99999999999",
            "/latest ５",
        ] {
            assert_eq!(parse_command(bad, BOT), Some(Command::Latest(LatestArg::Invalid)), "{bad}");
        }
    }

    #[test]
    fn ignores_other_bots_and_non_commands() {
        assert_eq!(parse_command("/latest@other_bot", BOT), None);
        assert_eq!(parse_command("latest", BOT), None);
        assert_eq!(parse_command("/", BOT), None);
        assert_eq!(parse_command("/@warta_bot", BOT), None);
        assert_eq!(parse_command("", BOT), None);
    }

    #[test]
    fn unknown_commands_are_reported_bounded() {
        assert_eq!(parse_command("/foo bar", BOT), Some(Command::Unknown("foo".into())));
        let long = format!("/{}", "x".repeat(500));
        match parse_command(&long, BOT) {
            Some(Command::Unknown(name)) => assert_eq!(name.len(), 64),
            other => panic!("{other:?}"),
        }
    }
}
