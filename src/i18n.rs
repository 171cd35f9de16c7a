//! Every user-facing text, one typed catalogue per language.
//!
//! Handlers never hold strings: they pick a [`Texts`] by the reader's
//! [`Lang`] and fill it in. Readers whose Telegram language is Indonesian —
//! or unknown — get Indonesian; everyone else gets English.

/// A reader's language.
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
    pub command: &'static str,
    pub description: &'static str,
}

/// The texts of one language.
#[derive(Debug)]
pub struct Texts {
    /// First line of /start; the bot's purpose follows.
    pub welcome_title: &'static str,
    pub welcome_body: &'static str,
    pub help_title: &'static str,
    pub commands: &'static [CommandText],
    pub help_footer: &'static str,
    pub latest_title: &'static str,
    pub latest_empty: &'static str,
    /// Usage of /latest N; `{max}` is the largest N.
    pub latest_usage: &'static str,
    pub read_more: &'static str,
    pub unknown_command: &'static str,
    /// Admin alert about a failing feed; `{url}`, `{failures}`.
    pub feed_alert_title: &'static str,
    pub feed_alert_body: &'static str,
    /// Admin notice that the feed works again; `{url}`.
    pub feed_recovered_title: &'static str,
    pub feed_recovered_body: &'static str,
    /// Admin alert about a channel refusing posts; `{channel}`.
    pub channel_refuses_title: &'static str,
    pub channel_refuses_body: &'static str,
    pub subscribed: &'static str,
    pub already_subscribed: &'static str,
    pub unsubscribed: &'static str,
    pub not_subscribed: &'static str,
    /// In a group: subscriptions are made in private chat.
    pub subscribe_in_private: &'static str,
    pub button_subscribe: &'static str,
    pub button_unsubscribe: &'static str,
    pub button_open_private: &'static str,
}

pub static ID: Texts = Texts {
    welcome_title: "Selamat datang di Kaltimtoday.co News Update!",
    welcome_body: "Bot ini mengirimkan berita terbaru dari Kaltimtoday.co ke grup dan kanal News Update \
                   begitu terbit. Berlangganan untuk menerima setiap berita langsung di sini, atau lihat \
                   berita terbaru kapan saja.",
    help_title: "Perintah yang tersedia:",
    commands: &[
        CommandText { command: "latest", description: "Berita terbaru (mis. /latest 10)" },
        CommandText { command: "subscribe", description: "Berlangganan berita di chat ini" },
        CommandText { command: "unsubscribe", description: "Berhenti berlangganan" },
        CommandText { command: "help", description: "Bantuan dan daftar perintah" },
        CommandText { command: "start", description: "Tentang bot ini" },
    ],
    help_footer: "Ketik /latest untuk 5 berita terbaru, atau /latest N untuk N berita (1–{max}).",
    latest_title: "Berita terbaru",
    latest_empty: "Belum ada berita tersimpan. Coba lagi sebentar lagi.",
    latest_usage: "Gunakan /latest atau /latest N, dengan N angka 1 sampai {max}. Contoh: /latest 10",
    read_more: "Baca selengkapnya",
    unknown_command: "Perintah tidak dikenal. Ketik /help untuk daftar perintah.",
    feed_alert_title: "⚠️ Feed bermasalah",
    feed_alert_body: "{url} gagal diambil {failures} kali berturut-turut. Warta terus mencoba dan akan mengabari jika pulih.",
    feed_recovered_title: "✅ Feed pulih",
    feed_recovered_body: "{url} kembali bisa diambil. Artikel baru diposting seperti biasa.",
    channel_refuses_title: "⛔ Kanal menolak posting",
    channel_refuses_body: "{channel} menolak posting dari bot. Posting ke sana dihentikan sampai izin bot diperbaiki dan Warta dijalankan ulang.",
    subscribed: "✅ Anda berlangganan. Setiap berita baru dari Kaltimtoday.co akan dikirim ke sini. Ketik /unsubscribe untuk berhenti.",
    already_subscribed: "Anda sudah berlangganan — berita baru tetap dikirim ke sini. Ketik /unsubscribe untuk berhenti.",
    unsubscribed: "Langganan dihentikan. Ketik /subscribe kapan saja untuk berlangganan lagi.",
    not_subscribed: "Anda belum berlangganan. Ketik /subscribe untuk mulai.",
    subscribe_in_private: "Langganan dibuat lewat chat pribadi dengan bot.",
    button_subscribe: "🔔 Berlangganan",
    button_unsubscribe: "🔕 Berhenti berlangganan",
    button_open_private: "Buka chat dengan bot",
};

pub static EN: Texts = Texts {
    welcome_title: "Welcome to Kaltimtoday.co News Update!",
    welcome_body: "This bot posts the latest news from Kaltimtoday.co to the News Update group and channel \
                   as soon as it is published. Subscribe to get every story right here, or look up the \
                   latest news at any time.",
    help_title: "Available commands:",
    commands: &[
        CommandText { command: "latest", description: "Latest news (e.g. /latest 10)" },
        CommandText { command: "subscribe", description: "Get the news in this chat" },
        CommandText { command: "unsubscribe", description: "Stop the news in this chat" },
        CommandText { command: "help", description: "Help and list of commands" },
        CommandText { command: "start", description: "About this bot" },
    ],
    help_footer: "Send /latest for the 5 newest stories, or /latest N for N stories (1–{max}).",
    latest_title: "Latest news",
    latest_empty: "No news stored yet. Please try again shortly.",
    latest_usage: "Use /latest or /latest N, where N is a number from 1 to {max}. Example: /latest 10",
    read_more: "Read more",
    unknown_command: "Unknown command. Send /help for the list of commands.",
    feed_alert_title: "⚠️ Feed failing",
    feed_alert_body: "{url} failed {failures} times in a row. Warta keeps trying and will tell you when it recovers.",
    feed_recovered_title: "✅ Feed recovered",
    feed_recovered_body: "{url} can be fetched again. New articles are posted as usual.",
    channel_refuses_title: "⛔ Channel refuses posts",
    channel_refuses_body: "{channel} refuses the bot's posts. Posting there stops until the bot's rights are fixed and Warta is restarted.",
    subscribed: "✅ You are subscribed. Every new story from Kaltimtoday.co will be sent here. Send /unsubscribe to stop.",
    already_subscribed: "You are already subscribed — new stories keep coming here. Send /unsubscribe to stop.",
    unsubscribed: "Subscription stopped. Send /subscribe any time to subscribe again.",
    not_subscribed: "You are not subscribed. Send /subscribe to start.",
    subscribe_in_private: "Subscriptions are made in a private chat with the bot.",
    button_subscribe: "🔔 Subscribe",
    button_unsubscribe: "🔕 Unsubscribe",
    button_open_private: "Open a chat with the bot",
};

#[cfg(test)]
mod tests {
    use super::*;

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
    fn both_languages_list_the_same_commands() {
        let names = |t: &Texts| t.commands.iter().map(|c| c.command).collect::<Vec<_>>();
        assert_eq!(names(&ID), names(&EN));
        for texts in [&ID, &EN] {
            for command in texts.commands {
                // setMyCommands: 1-32 chars of a-z, 0-9, _; description 1-256 chars.
                assert!(command.command.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
                assert!((1..=256).contains(&command.description.chars().count()));
            }
        }
    }
}
