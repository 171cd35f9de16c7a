//! Parsing of reader and admin commands. Pure.

use crate::domain::CategoryKey;

/// Articles a /latest page shows without a number.
pub const LATEST_DEFAULT: u32 = 5;
/// The most /latest N may ask for.
pub const LATEST_MAX: u32 = 20;
/// Longest argument kept (a category name or a search); Telegram allows 4096.
const ARGUMENT_CHARS: usize = 256;
/// Longest text an admin command keeps (Telegram's message limit).
const TEXT_CHARS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start` with an optional deep-link payload.
    Start {
        payload: Option<String>,
    },
    Help,
    Latest(LatestArg),
    /// `/cari <words>`; the words may be empty.
    Search(String),
    Categories,
    /// `/bahasa [id|en]`.
    Language(String),
    Subscribe,
    Unsubscribe,
    /// `/atur`: how the news reaches the reader.
    Settings,
    /// `/ringkasan`: the daily digest in one step.
    Digest,
    /// Admin: `/pilih <post>`, `/batalpilih <post>`.
    Pick(String),
    Unpick(String),
    /// Admin: `/sembunyikan <kategori>`, `/tampilkan <kategori>`.
    HideCategory(String),
    ShowCategory(String),
    /// Admin: `/breaking [teks | tautan]`; the whole text, untruncated.
    Breaking(String),
    /// Admin: `/koreksi <post> <teks baru>`; the whole text, untruncated.
    Correct(String),
    /// Admin: `/tarik <post>`.
    Retract(String),
    Pause,
    Resume,
    Status,
    Stats,
    Audit,
    /// A command addressed to us that we do not know.
    Unknown(String),
}

impl Command {
    /// The command's name for metrics (a fixed set, never the reader's text).
    pub fn metric_name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Help => "help",
            Self::Latest(_) => "latest",
            Self::Search(_) => "search",
            Self::Categories => "categories",
            Self::Language(_) => "language",
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Settings => "settings",
            Self::Digest => "digest",
            Self::Pick(_) => "pick",
            Self::Unpick(_) => "unpick",
            Self::HideCategory(_) => "hide",
            Self::ShowCategory(_) => "show",
            Self::Breaking(_) => "breaking",
            Self::Correct(_) => "correct",
            Self::Retract(_) => "retract",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Status => "status",
            Self::Stats => "stats",
            Self::Audit => "audit",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Commands only admins may use.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Self::HideCategory(_)
                | Self::Pick(_)
                | Self::Unpick(_)
                | Self::ShowCategory(_)
                | Self::Breaking(_)
                | Self::Correct(_)
                | Self::Retract(_)
                | Self::Pause
                | Self::Resume
                | Self::Status
                | Self::Stats
                | Self::Audit
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LatestArg {
    /// `count` per page, of one category or of all.
    Page { count: u32, category: Option<String> },
    /// Anything but a number from 1 to [`LATEST_MAX`] and a category name.
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
    // An admin's news text is kept whole (Telegram caps it at 4,096); the rest is bounded.
    let text = args;
    let args: String = args.chars().take(ARGUMENT_CHARS).collect();
    let command = match name.to_ascii_lowercase().as_str() {
        "start" => Command::Start { payload: (!args.is_empty()).then_some(args) },
        "help" | "bantuan" => Command::Help,
        "latest" | "terbaru" => Command::Latest(parse_latest_arg(&args)),
        "cari" | "search" => Command::Search(args),
        "kategori" | "topics" | "topik" | "categories" => Command::Categories,
        "bahasa" | "lang" | "language" => Command::Language(args),
        "subscribe" | "langganan" => Command::Subscribe,
        "unsubscribe" | "berhenti" => Command::Unsubscribe,
        "atur" | "settings" | "pengaturan" => Command::Settings,
        "ringkasan" | "digest" => Command::Digest,
        "pilih" | "pick" => Command::Pick(args),
        "batalpilih" | "unpick" => Command::Unpick(args),
        "sembunyikan" | "hide" => Command::HideCategory(args),
        "tampilkan" | "unhide" | "show" => Command::ShowCategory(args),
        "breaking" | "darurat" => Command::Breaking(text.chars().take(TEXT_CHARS).collect()),
        "koreksi" | "correct" | "ralat" => Command::Correct(text.chars().take(TEXT_CHARS).collect()),
        "tarik" | "retract" => Command::Retract(args),
        "jeda" | "pause" => Command::Pause,
        "lanjut" | "resume" => Command::Resume,
        "status" => Command::Status,
        "stats" | "statistik" => Command::Stats,
        "audit" => Command::Audit,
        _ => Command::Unknown(name.chars().take(64).collect()),
    };
    Some(command)
}

/// `/latest`, `/latest 10`, `/latest ekonomi`, `/latest ekonomi 10`.
fn parse_latest_arg(args: &str) -> LatestArg {
    let mut count = None;
    let mut words = Vec::new();
    for word in args.split_whitespace() {
        if word.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+') && word.chars().any(|c| c.is_ascii_digit())
        {
            match (count, word.parse::<u32>()) {
                (None, Ok(n)) if (1..=LATEST_MAX).contains(&n) => count = Some(n),
                _ => return LatestArg::Invalid,
            }
        } else {
            words.push(word);
        }
    }
    let category = (!words.is_empty()).then(|| words.join(" "));
    if category.as_deref().is_some_and(|c| CategoryKey::new(c).is_empty()) {
        return LatestArg::Invalid;
    }
    LatestArg::Page { count: count.unwrap_or(LATEST_DEFAULT), category }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ID, Lang};

    const BOT: &str = "warta_bot";

    fn page(count: u32, category: Option<&str>) -> Option<Command> {
        Some(Command::Latest(LatestArg::Page { count, category: category.map(str::to_owned) }))
    }

    #[test]
    fn parses_known_commands() {
        assert_eq!(parse_command("/start", BOT), Some(Command::Start { payload: None }));
        assert_eq!(parse_command("/start subscribe", BOT), Some(Command::Start { payload: Some("subscribe".into()) }));
        assert_eq!(parse_command("/help", BOT), Some(Command::Help));
        assert_eq!(parse_command("/latest", BOT), page(5, None));
        assert_eq!(parse_command("/latest 2", BOT), page(2, None));
        assert_eq!(parse_command("/latest   20  ", BOT), page(20, None));
        assert_eq!(parse_command("/LATEST@Warta_Bot 3", BOT), page(3, None));
        assert_eq!(parse_command("/latest ekonomi bisnis", BOT), page(5, Some("ekonomi bisnis")));
        assert_eq!(parse_command("/terbaru 10 Samarinda", BOT), page(10, Some("Samarinda")));
        assert_eq!(parse_command("/cari banjir  Samarinda", BOT), Some(Command::Search("banjir  Samarinda".into())));
        assert_eq!(parse_command("/search", BOT), Some(Command::Search(String::new())));
        assert_eq!(parse_command("/kategori", BOT), Some(Command::Categories));
        assert_eq!(parse_command("/topics@warta_bot", BOT), Some(Command::Categories));
        assert_eq!(parse_command("/bahasa en", BOT), Some(Command::Language("en".into())));
        assert_eq!(parse_command("/lang", BOT), Some(Command::Language(String::new())));
        assert_eq!(parse_command("/subscribe", BOT), Some(Command::Subscribe));
        assert_eq!(parse_command("/langganan", BOT), Some(Command::Subscribe));
        assert_eq!(parse_command("/unsubscribe@warta_bot", BOT), Some(Command::Unsubscribe));
        assert_eq!(parse_command("/sembunyikan Advertorial", BOT), Some(Command::HideCategory("Advertorial".into())));
        assert_eq!(parse_command("/unhide x", BOT), Some(Command::ShowCategory("x".into())));
        assert_eq!(parse_command("/darurat Banjir\nWaspada", BOT), Some(Command::Breaking("Banjir\nWaspada".into())));
        assert_eq!(parse_command("/breaking", BOT), Some(Command::Breaking(String::new())));
        assert_eq!(parse_command("/koreksi #12 Teks", BOT), Some(Command::Correct("#12 Teks".into())));
        assert_eq!(parse_command("/tarik 12", BOT), Some(Command::Retract("12".into())));
        assert_eq!(parse_command("/jeda", BOT), Some(Command::Pause));
        assert_eq!(parse_command("/resume", BOT), Some(Command::Resume));
        assert_eq!(parse_command("/status@warta_bot", BOT), Some(Command::Status));
        assert_eq!(parse_command("/statistik", BOT), Some(Command::Stats));
        assert_eq!(parse_command("/audit", BOT), Some(Command::Audit));
        assert_eq!(parse_command("/atur", BOT), Some(Command::Settings));
        assert_eq!(parse_command("/settings@warta_bot", BOT), Some(Command::Settings));
        assert_eq!(parse_command("/ringkasan", BOT), Some(Command::Digest));
        assert_eq!(parse_command("/digest", BOT), Some(Command::Digest));
        assert_eq!(parse_command("/pilih #12", BOT), Some(Command::Pick("#12".into())));
        assert_eq!(parse_command("/pick 12", BOT), Some(Command::Pick("12".into())));
        assert_eq!(parse_command("/batalpilih #12", BOT), Some(Command::Unpick("#12".into())));
        // A breaking text is kept whole; other arguments are bounded.
        let long = "kata ".repeat(600);
        match parse_command(&format!("/breaking {long}"), BOT) {
            Some(Command::Breaking(text)) => assert_eq!(text, long.trim()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_latest_arguments_are_invalid() {
        for bad in [
            "/latest 0",
            "/latest 21",
            "/latest -1",
            "/latest 2 3",
            "/latest 99999999999",
            "/latest ???",
            "/latest 5 !!",
        ] {
            assert_eq!(parse_command(bad, BOT), Some(Command::Latest(LatestArg::Invalid)), "{bad}");
        }
        // A full-width digit is not a count: it is looked up as a category, and found wanting.
        assert_eq!(parse_command("/latest ５", BOT), page(5, Some("５")));
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
    fn unknown_commands_and_arguments_are_bounded() {
        assert_eq!(parse_command("/foo bar", BOT), Some(Command::Unknown("foo".into())));
        let long = format!("/{}", "x".repeat(500));
        match parse_command(&long, BOT) {
            Some(Command::Unknown(name)) => assert_eq!(name.len(), 64),
            other => panic!("{other:?}"),
        }
        match parse_command(&format!("/cari {}", "kata ".repeat(1000)), BOT) {
            Some(Command::Search(words)) => assert_eq!(words.chars().count(), ARGUMENT_CHARS),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_menu_entry_is_a_command_in_both_languages() {
        for (id, en) in ID.commands.iter().zip(EN.commands).chain(ID.group_commands.iter().zip(EN.group_commands)) {
            let id = parse_command(&format!("/{}", id.command), BOT);
            let en = parse_command(&format!("/{}", en.command), BOT);
            assert!(!matches!(id, Some(Command::Unknown(_)) | None), "{id:?}");
            assert_eq!(std::mem::discriminant(&id), std::mem::discriminant(&en));
            assert_eq!(id, en);
        }
        let newsroom = ID.admin_commands.iter().chain(Lang::Id.newsroom().commands);
        for (id, en) in newsroom.zip(EN.admin_commands.iter().chain(Lang::En.newsroom().commands)) {
            let command = parse_command(&format!("/{}", id.command), BOT).expect("a command");
            assert!(command.is_admin(), "{command:?}");
            assert_eq!(
                parse_command(&format!("/{}", id.command), BOT),
                parse_command(&format!("/{}", en.command), BOT)
            );
        }
    }
}
