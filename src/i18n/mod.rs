//! Every user-facing text, one typed catalogue per language.
//!
//! Handlers never hold strings: they pick a [`Texts`] by the reader's
//! [`Lang`] and fill it in. Readers whose Telegram language is Indonesian —
//! or unknown — get Indonesian; everyone else gets English.

mod digest;
mod newsroom;

pub use digest::DigestTexts;
pub use newsroom::NewsroomTexts;

/// A reader's language.
/// A command whatever its name in a language (`/cari` and `/search` are one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandId {
    Latest,
    Search,
    Categories,
    Subscribe,
    Unsubscribe,
    Language,
    Settings,
    Digest,
    Help,
    Pick,
    Unpick,
    HideCategory,
    ShowCategory,
    Breaking,
    Correct,
    Retract,
    Pause,
    Resume,
    Status,
    Stats,
    Audit,
}

/// The name of command `id` in `lists` (its first appearance).
fn command_name(lists: &[&[CommandText]], id: CommandId) -> &'static str {
    lists.iter().flat_map(|list| list.iter()).find(|c| c.id == id).map_or("help", |c| c.command)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// From Telegram's `language_code` (an IETF tag such as "id", "en-US").
    pub fn from_code(code: Option<&str>) -> Self {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => Self::Id,
            Some(code) => {
                let primary = code.split(['-', '_']).next().unwrap_or(code);
                if primary.eq_ignore_ascii_case("id") || primary.eq_ignore_ascii_case("in") {
                    Self::Id
                } else {
                    Self::En
                }
            }
        }
    }

    /// The reader's language: their /bahasa choice, else Telegram's language_code.
    pub fn resolve(choice: Option<&str>, code: Option<&str>) -> Self {
        choice.and_then(Self::from_choice).unwrap_or_else(|| Self::from_code(code))
    }

    /// A stored or typed choice: "id"/"indonesia", "en"/"english"/"inggris".
    pub fn from_choice(choice: &str) -> Option<Self> {
        match choice.trim().to_lowercase().as_str() {
            "id" | "indonesia" | "indonesian" | "bahasa indonesia" => Some(Self::Id),
            "en" | "english" | "inggris" | "bahasa inggris" => Some(Self::En),
            _ => None,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Id => &ID,
            Self::En => &EN,
        }
    }

    /// The BCP 47 code used for setMyCommands.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }
}

/// A bot command with its menu description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandText {
    pub id: CommandId,
    pub command: &'static str,
    pub description: &'static str,
}

/// The texts of one language. `{name}` marks a value filled in by the caller.
#[derive(Debug)]
pub struct Texts {
    /// First line of /start; the bot's purpose follows.
    pub welcome_title: &'static str,
    pub welcome_body: &'static str,
    pub help_title: &'static str,
    /// The command menu in private chats, in this order in /help.
    pub commands: &'static [CommandText],
    /// The command menu in groups.
    pub group_commands: &'static [CommandText],
    /// Added to an admin's menu.
    pub admin_commands: &'static [CommandText],
    /// `{max}` is the largest N of /latest N.
    pub help_footer: &'static str,
    pub latest_title: &'static str,
    /// Heading of one message listing a reader's new stories sent together: `{count}`.
    pub backlog_title: &'static str,
    /// `{category}`.
    pub latest_title_category: &'static str,
    pub latest_empty: &'static str,
    /// `{category}`.
    pub latest_empty_category: &'static str,
    /// Usage of /latest; `{max}` is the largest N.
    pub latest_usage: &'static str,
    /// `{query}`: no category matched; buttons with categories follow.
    pub latest_unknown_category: &'static str,
    /// `{page}`, `{pages}`.
    pub page_of: &'static str,
    pub read_more: &'static str,
    pub unknown_command: &'static str,
    /// A sticker, photo … in private chat.
    pub text_only: &'static str,
    /// Admin alert about a failing feed; `{url}`, `{failures}`.
    pub feed_alert_title: &'static str,
    pub feed_alert_body: &'static str,
    /// Admin notice that the feed works again; `{url}`.
    pub feed_recovered_title: &'static str,
    pub feed_recovered_body: &'static str,
    /// Admin alert about an item that cannot be processed; `{url}`, `{title}`.
    pub item_failed_title: &'static str,
    pub item_failed_body: &'static str,
    /// Admin alert about a channel refusing posts; `{channel}`.
    pub channel_refuses_title: &'static str,
    pub channel_refuses_body: &'static str,
    pub subscribed: &'static str,
    pub already_subscribed: &'static str,
    pub unsubscribed: &'static str,
    pub not_subscribed: &'static str,
    /// In a group: subscriptions and settings are made in private chat.
    pub subscribe_in_private: &'static str,
    pub settings_in_private: &'static str,
    pub button_subscribe: &'static str,
    pub button_unsubscribe: &'static str,
    pub button_open_private: &'static str,
    pub categories_title: &'static str,
    pub categories_body: &'static str,
    /// `{list}`.
    pub categories_chosen: &'static str,
    pub categories_all: &'static str,
    pub categories_not_subscribed: &'static str,
    pub categories_none_yet: &'static str,
    pub button_all_categories: &'static str,
    pub button_done: &'static str,
    /// `{name}`.
    pub category_added: &'static str,
    pub category_removed: &'static str,
    /// `{max}`.
    pub category_too_many: &'static str,
    pub category_unavailable: &'static str,
    pub categories_cleared: &'static str,
    pub categories_saved: &'static str,
    pub search_usage: &'static str,
    /// `{query}`.
    pub search_title: &'static str,
    pub search_none: &'static str,
    /// `{count}`.
    pub search_count: &'static str,
    /// `{count}`: the search found more than it keeps.
    pub search_count_capped: &'static str,
    pub search_expired: &'static str,
    pub language_prompt: &'static str,
    /// Confirmation, in the chosen language.
    pub language_set: &'static str,
    pub language_auto: &'static str,
    pub button_language_auto: &'static str,
    pub rate_limited: &'static str,
    pub button_expired: &'static str,
    /// Something failed inside; the reader is not told what.
    pub sorry: &'static str,
    /// Admin commands; `{name}`, `{query}`, `{command}`.
    pub admin_hide_usage: &'static str,
    pub admin_category_not_found: &'static str,
    pub admin_hidden: &'static str,
    pub admin_already_hidden: &'static str,
    pub admin_shown: &'static str,
    pub admin_not_hidden: &'static str,
    pub admin_hidden_by_config: &'static str,
}

/// Button labels that are the same in every language.
pub const BUTTON_PREVIOUS: &str = "◀";
pub const BUTTON_NEXT: &str = "▶";
pub const BUTTON_LANGUAGE_ID: &str = "🇮🇩 Bahasa Indonesia";
pub const BUTTON_LANGUAGE_EN: &str = "🇬🇧 English";

/// Fills `{name}` placeholders in one pass: values (which may be a reader's
/// text) are never searched for placeholders themselves.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values.iter().find(|(n, _)| *n == name).map(|(_, value)| (*value, close))
        });
        match value {
            Some((value, close)) => {
                filled.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

impl Texts {
    /// What command `id` is called in this language.
    pub fn command(&self, id: CommandId) -> &'static str {
        command_name(&[self.commands, self.group_commands, self.admin_commands], id)
    }
}

pub static ID: Texts = Texts {
    welcome_title: "Selamat datang di Kaltimtoday.co News Update!",
    welcome_body: "Bot ini mengirimkan berita terbaru dari Kaltimtoday.co ke grup dan kanal News Update \
                   begitu terbit. Berlangganan untuk menerima setiap berita langsung di sini — atau hanya \
                   kategori pilihan Anda — dan cari berita yang terlewat kapan saja.",
    help_title: "Perintah yang tersedia:",
    commands: &[
        CommandText {
            id: CommandId::Latest,
            command: "latest",
            description: "Berita terbaru (mis. /latest atau /latest ekonomi)",
        },
        CommandText {
            id: CommandId::Search,
            command: "cari",
            description: "Cari berita (mis. /cari banjir Samarinda)",
        },
        CommandText {
            id: CommandId::Categories,
            command: "kategori",
            description: "Pilih kategori berita yang dikirim ke Anda",
        },
        CommandText { id: CommandId::Subscribe, command: "subscribe", description: "Berlangganan berita di chat ini" },
        CommandText { id: CommandId::Unsubscribe, command: "unsubscribe", description: "Berhenti berlangganan" },
        CommandText {
            id: CommandId::Settings,
            command: "atur",
            description: "Atur cara terima berita: setiap berita, ringkasan, atau breaking saja",
        },
        CommandText {
            id: CommandId::Digest,
            command: "ringkasan",
            description: "Terima ringkasan Berita Pilihan harian",
        },
        CommandText { id: CommandId::Language, command: "bahasa", description: "Ganti bahasa (Indonesia/English)" },
        CommandText { id: CommandId::Help, command: "help", description: "Bantuan dan daftar perintah" },
    ],
    group_commands: &[
        CommandText { id: CommandId::Latest, command: "latest", description: "Berita terbaru (mis. /latest ekonomi)" },
        CommandText { id: CommandId::Search, command: "cari", description: "Cari berita (mis. /cari banjir)" },
        CommandText { id: CommandId::Help, command: "help", description: "Bantuan dan daftar perintah" },
    ],
    admin_commands: &[
        CommandText {
            id: CommandId::HideCategory,
            command: "sembunyikan",
            description: "Admin: sembunyikan kategori dari pembaca",
        },
        CommandText {
            id: CommandId::ShowCategory,
            command: "tampilkan",
            description: "Admin: tampilkan lagi kategori",
        },
    ],
    help_footer: "/latest menampilkan 5 berita terbaru dengan tombol ◀ ▶ untuk berita sebelumnya; \
                  /latest N menampilkan N berita (1–{max}), /latest <kategori> hanya satu kategori. \
                  Teks biasa di chat ini langsung dicari.",
    latest_title: "Berita terbaru",
    backlog_title: "{count} berita baru",
    latest_title_category: "Berita terbaru — {category}",
    latest_empty: "Belum ada berita tersimpan. Coba lagi sebentar lagi.",
    latest_empty_category: "Belum ada berita dalam kategori {category}.",
    latest_usage: "Gunakan /latest, /latest N (N angka 1 sampai {max}) atau /latest <kategori>. \
                   Contoh: /latest 10, /latest ekonomi",
    latest_unknown_category: "Kategori “{query}” tidak ditemukan. Pilih salah satu:",
    page_of: "Halaman {page}/{pages}",
    read_more: "Baca selengkapnya",
    unknown_command: "Perintah tidak dikenal. Ketik /help untuk daftar perintah.",
    text_only: "Kirim perintah, atau kata yang ingin dicari. Ketik /help untuk bantuan.",
    feed_alert_title: "⚠️ Feed bermasalah",
    feed_alert_body: "{url} gagal diambil {failures} kali berturut-turut. Warta terus mencoba dan akan mengabari jika pulih.",
    feed_recovered_title: "✅ Feed pulih",
    feed_recovered_body: "{url} kembali bisa diambil. Artikel baru diposting seperti biasa.",
    item_failed_title: "⚠️ Item feed dilewati",
    item_failed_body: "Item “{title}” dari {url} tidak dapat diproses, jadi dilewati dan tidak akan dicoba lagi. Item lain dari feed ini tetap diposting.",
    channel_refuses_title: "⛔ Kanal menolak posting",
    channel_refuses_body: "{channel} menolak posting dari bot. Posting ke sana dihentikan sampai izin bot diperbaiki dan Warta dijalankan ulang.",
    subscribed: "✅ Anda berlangganan. Setiap berita baru dari Kaltimtoday.co akan dikirim ke sini. Ketik /kategori untuk memilih kategori, /unsubscribe untuk berhenti.",
    already_subscribed: "Anda sudah berlangganan — berita baru tetap dikirim ke sini. Ketik /unsubscribe untuk berhenti.",
    unsubscribed: "Langganan dihentikan. Ketik /subscribe kapan saja untuk berlangganan lagi.",
    not_subscribed: "Anda belum berlangganan. Ketik /subscribe untuk mulai.",
    subscribe_in_private: "Langganan dibuat lewat chat pribadi dengan bot.",
    settings_in_private: "Pengaturan ini dibuat lewat chat pribadi dengan bot.",
    button_subscribe: "🔔 Berlangganan",
    button_unsubscribe: "🔕 Berhenti berlangganan",
    button_open_private: "Buka chat dengan bot",
    categories_title: "Kategori berita",
    categories_body: "Centang kategori yang ingin Anda terima. Tanpa pilihan, Anda menerima semua berita. \
                      Berita penting (breaking news) selalu dikirim.",
    categories_chosen: "Dipilih: {list}",
    categories_all: "Dipilih: semua kategori",
    categories_not_subscribed: "Anda belum berlangganan; memilih kategori sekaligus mengaktifkan langganan.",
    categories_none_yet: "Belum ada kategori — kategori muncul setelah berita pertama tersimpan.",
    button_all_categories: "Semua kategori",
    button_done: "Selesai",
    category_added: "✅ {name} dipilih",
    category_removed: "{name} dihapus dari pilihan",
    category_too_many: "Paling banyak {max} kategori.",
    category_unavailable: "Kategori ini tidak tersedia lagi.",
    categories_cleared: "Anda menerima semua kategori.",
    categories_saved: "Pilihan kategori disimpan.",
    search_usage: "Ketik /cari diikuti kata yang dicari. Contoh: /cari banjir Samarinda",
    search_title: "Hasil pencarian “{query}”",
    search_none: "Tidak ada berita yang cocok dengan “{query}”. Coba kata lain.",
    search_count: "{count} hasil",
    search_count_capped: "{count} hasil teratas",
    search_expired: "Pencarian ini sudah kedaluwarsa. Silakan cari lagi.",
    language_prompt: "Pilih bahasa / Choose your language:",
    language_set: "Bahasa diatur ke Bahasa Indonesia.",
    language_auto: "Bahasa mengikuti pengaturan Telegram Anda.",
    button_language_auto: "Otomatis (ikuti Telegram)",
    rate_limited: "⏳ Tunggu sebentar — terlalu banyak perintah. Coba lagi sebentar lagi.",
    button_expired: "Tombol ini sudah tidak berlaku.",
    sorry: "Maaf, ada gangguan. Silakan coba lagi sebentar lagi.",
    admin_hide_usage: "Gunakan /{command} <kategori>. Contoh: /{command} advertorial",
    admin_category_not_found: "Kategori “{query}” tidak ditemukan.",
    admin_hidden: "Kategori {name} disembunyikan dari daftar pembaca.",
    admin_already_hidden: "Kategori {name} sudah tersembunyi.",
    admin_shown: "Kategori {name} ditampilkan lagi.",
    admin_not_hidden: "Kategori {name} tidak sedang disembunyikan.",
    admin_hidden_by_config: "Kategori {name} disembunyikan oleh bot.toml (format.hidden_categories); ubah di sana.",
};

pub static EN: Texts = Texts {
    welcome_title: "Welcome to Kaltimtoday.co News Update!",
    welcome_body: "This bot posts the latest news from Kaltimtoday.co to the News Update group and channel \
                   as soon as it is published. Subscribe to get every story right here — or only the \
                   categories you choose — and search for stories you missed at any time.",
    help_title: "Available commands:",
    commands: &[
        CommandText {
            id: CommandId::Latest,
            command: "latest",
            description: "Latest news (e.g. /latest or /latest ekonomi)",
        },
        CommandText {
            id: CommandId::Search,
            command: "search",
            description: "Search the news (e.g. /search banjir Samarinda)",
        },
        CommandText { id: CommandId::Categories, command: "topics", description: "Choose the categories sent to you" },
        CommandText { id: CommandId::Subscribe, command: "subscribe", description: "Get the news in this chat" },
        CommandText { id: CommandId::Unsubscribe, command: "unsubscribe", description: "Stop the news in this chat" },
        CommandText {
            id: CommandId::Settings,
            command: "settings",
            description: "How you get the news: every story, a digest, or breaking only",
        },
        CommandText { id: CommandId::Digest, command: "digest", description: "Get the daily Top Stories digest" },
        CommandText { id: CommandId::Language, command: "lang", description: "Change language (Indonesia/English)" },
        CommandText { id: CommandId::Help, command: "help", description: "Help and list of commands" },
    ],
    group_commands: &[
        CommandText { id: CommandId::Latest, command: "latest", description: "Latest news (e.g. /latest ekonomi)" },
        CommandText { id: CommandId::Search, command: "search", description: "Search the news (e.g. /search banjir)" },
        CommandText { id: CommandId::Help, command: "help", description: "Help and list of commands" },
    ],
    admin_commands: &[
        CommandText {
            id: CommandId::HideCategory,
            command: "hide",
            description: "Admin: hide a category from readers",
        },
        CommandText {
            id: CommandId::ShowCategory,
            command: "unhide",
            description: "Admin: show a hidden category again",
        },
    ],
    help_footer: "/latest shows the 5 newest stories with ◀ ▶ buttons for older ones; /latest N shows N \
                  stories (1–{max}), /latest <category> one category only. Plain text sent here is searched.",
    latest_title: "Latest news",
    backlog_title: "{count} new stories",
    latest_title_category: "Latest news — {category}",
    latest_empty: "No news stored yet. Please try again shortly.",
    latest_empty_category: "No news in the category {category} yet.",
    latest_usage: "Use /latest, /latest N (N a number from 1 to {max}) or /latest <category>. \
                   Example: /latest 10, /latest ekonomi",
    latest_unknown_category: "No category “{query}”. Choose one:",
    page_of: "Page {page}/{pages}",
    read_more: "Read more",
    unknown_command: "Unknown command. Send /help for the list of commands.",
    text_only: "Send a command, or words to search for. Send /help for help.",
    feed_alert_title: "⚠️ Feed failing",
    feed_alert_body: "{url} failed {failures} times in a row. Warta keeps trying and will tell you when it recovers.",
    feed_recovered_title: "✅ Feed recovered",
    feed_recovered_body: "{url} can be fetched again. New articles are posted as usual.",
    item_failed_title: "⚠️ Feed item skipped",
    item_failed_body: "The item “{title}” of {url} cannot be processed, so it is skipped and not tried again. The feed's other items are posted as usual.",
    channel_refuses_title: "⛔ Channel refuses posts",
    channel_refuses_body: "{channel} refuses the bot's posts. Posting there stops until the bot's rights are fixed and Warta is restarted.",
    subscribed: "✅ You are subscribed. Every new story from Kaltimtoday.co will be sent here. Send /topics to choose categories, /unsubscribe to stop.",
    already_subscribed: "You are already subscribed — new stories keep coming here. Send /unsubscribe to stop.",
    unsubscribed: "Subscription stopped. Send /subscribe any time to subscribe again.",
    not_subscribed: "You are not subscribed. Send /subscribe to start.",
    subscribe_in_private: "Subscriptions are made in a private chat with the bot.",
    settings_in_private: "This setting is made in a private chat with the bot.",
    button_subscribe: "🔔 Subscribe",
    button_unsubscribe: "🔕 Unsubscribe",
    button_open_private: "Open a chat with the bot",
    categories_title: "News categories",
    categories_body: "Tick the categories you want to receive. With none ticked you receive every story. \
                      Breaking news is always sent.",
    categories_chosen: "Chosen: {list}",
    categories_all: "Chosen: all categories",
    categories_not_subscribed: "You are not subscribed; choosing a category subscribes you.",
    categories_none_yet: "No categories yet — they appear once the first stories are stored.",
    button_all_categories: "All categories",
    button_done: "Done",
    category_added: "✅ {name} chosen",
    category_removed: "{name} removed",
    category_too_many: "At most {max} categories.",
    category_unavailable: "This category is no longer available.",
    categories_cleared: "You receive every category.",
    categories_saved: "Your categories are saved.",
    search_usage: "Send /search followed by the words to find. Example: /search banjir Samarinda",
    search_title: "Search results for “{query}”",
    search_none: "No stories match “{query}”. Try other words.",
    search_count: "{count} results",
    search_count_capped: "top {count} results",
    search_expired: "This search has expired. Please search again.",
    language_prompt: "Pilih bahasa / Choose your language:",
    language_set: "Language set to English.",
    language_auto: "The language follows your Telegram settings.",
    button_language_auto: "Automatic (follow Telegram)",
    rate_limited: "⏳ Please wait — too many commands. Try again in a moment.",
    button_expired: "This button is no longer valid.",
    sorry: "Sorry, something went wrong. Please try again shortly.",
    admin_hide_usage: "Use /{command} <category>. Example: /{command} advertorial",
    admin_category_not_found: "No category “{query}”.",
    admin_hidden: "The category {name} is now hidden from readers' lists.",
    admin_already_hidden: "The category {name} is already hidden.",
    admin_shown: "The category {name} is shown again.",
    admin_not_hidden: "The category {name} is not hidden.",
    admin_hidden_by_config: "The category {name} is hidden by bot.toml (format.hidden_categories); change it there.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_found_by_what_they_do_in_each_language() {
        let (id, en) = (Lang::Id, Lang::En);
        assert_eq!((id.texts().command(CommandId::Search), en.texts().command(CommandId::Search)), ("cari", "search"));
        assert_eq!(id.texts().command(CommandId::HideCategory), "sembunyikan");
        assert_eq!(en.texts().command(CommandId::ShowCategory), "unhide");
        assert_eq!(id.newsroom().command(CommandId::Correct), "koreksi");
        assert_eq!(en.newsroom().command(CommandId::Retract), "retract");
        for lang in [id, en] {
            let texts = lang.texts();
            for list in [texts.commands, texts.group_commands, texts.admin_commands, lang.newsroom().commands] {
                let ids: std::collections::HashSet<CommandId> = list.iter().map(|c| c.id).collect();
                assert_eq!(ids.len(), list.len(), "a command twice in one menu");
            }
        }
    }

    #[test]
    fn indonesian_unless_telegram_says_otherwise() {
        assert_eq!(Lang::from_code(None), Lang::Id);
        assert_eq!(Lang::from_code(Some("")), Lang::Id);
        assert_eq!(Lang::from_code(Some("id")), Lang::Id);
        assert_eq!(Lang::from_code(Some("id-ID")), Lang::Id);
        assert_eq!(Lang::from_code(Some("en")), Lang::En);
        assert_eq!(Lang::from_code(Some("ms")), Lang::En);
        assert_eq!(Lang::from_code(Some("en-GB")), Lang::En);
    }

    #[test]
    fn a_choice_beats_telegrams_language() {
        assert_eq!(Lang::resolve(Some("en"), Some("id")), Lang::En);
        assert_eq!(Lang::resolve(Some("id"), Some("en")), Lang::Id);
        assert_eq!(Lang::resolve(None, Some("en")), Lang::En);
        assert_eq!(Lang::resolve(Some("garbage"), Some("en")), Lang::En);
        assert_eq!(Lang::from_choice(" English "), Some(Lang::En));
        assert_eq!(Lang::from_choice("klingon"), None);
    }

    #[test]
    fn menus_are_valid_for_set_my_commands() {
        for texts in [&ID, &EN] {
            let menus = [texts.commands, texts.group_commands, texts.admin_commands];
            for command in menus.iter().flat_map(|menu| menu.iter()) {
                // setMyCommands: 1-32 chars of a-z, 0-9, _; description 1-256 chars.
                assert!((1..=32).contains(&command.command.len()));
                assert!(command.command.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
                assert!((1..=256).contains(&command.description.chars().count()));
            }
        }
        assert_eq!(ID.commands.len(), EN.commands.len());
        assert_eq!(ID.group_commands.len(), EN.group_commands.len());
        assert_eq!(ID.admin_commands.len(), EN.admin_commands.len());
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill(ID.page_of, &[("page", "2"), ("pages", "9")]), "Halaman 2/9");
        assert_eq!(fill("{a}{a}{b}", &[("a", "x"), ("b", "{a}")]), "xx{a}");
        assert_eq!(fill("{b} {a}", &[("a", "x"), ("b", "{a}")]), "{a} x");
        assert_eq!(fill("{unknown} { {a", &[("a", "x")]), "{unknown} { {a");
    }
}
