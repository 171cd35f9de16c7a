//! A real WordPress for the tests, started by `scripts/wordpress.sh start`
//! (Debian's wordpress, mariadb-server, apache2 and PHP on 127.0.0.1). Tests
//! find it through `WARTA_TEST_WORDPRESS` (the state directory the script
//! prints) and make content through `scripts/wordpress/wp.php`, WordPress's
//! own PHP API.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::TestEnv;

pub const WORDPRESS_VAR: &str = "WARTA_TEST_WORDPRESS";

#[derive(Debug, Clone)]
pub struct WordPress {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub url: String,
    site: PathBuf,
    helper: PathBuf,
    /// Apache's access log: `%h %t "%r" %>s %b %D`.
    pub access_log: PathBuf,
}

/// A published post.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: i64,
    pub link: String,
}

impl WordPress {
    /// The running WordPress, or `None` with the reason printed (the test then skips).
    pub fn from_env(test: &str) -> Option<Self> {
        let Some(dir) = std::env::var_os(WORDPRESS_VAR) else {
            eprintln!(
                "SKIPPED {test}: {WORDPRESS_VAR} is not set. `bash .ci/run` sets it; by hand: \
                 eval \"$(scripts/wordpress.sh start)\" (installs Debian's wordpress, mariadb-server, apache2, php \
                 when missing; needs root for that), then scripts/wordpress.sh stop"
            );
            return None;
        };
        let dir = PathBuf::from(dir);
        let env = std::fs::read_to_string(dir.join("env")).ok()?;
        let value = |name: &str| env.lines().find_map(|line| line.strip_prefix(&format!("{name}="))).map(str::to_owned);
        Some(Self {
            url: value("url")?,
            site: PathBuf::from(value("site")?),
            helper: PathBuf::from(value("wp")?),
            access_log: dir.join("logs/apache-access.log"),
        })
    }

    /// Runs a wp.php command; its JSON answer.
    pub fn php(&self, command: &str, arg: &str) -> Value {
        let output =
            Command::new("php").arg(&self.helper).arg(&self.site).arg(command).arg(arg).output().expect("run php");
        assert!(output.status.success(), "wp.php {command}: {}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|err| panic!("wp.php {command} answered {stdout:?}: {err}"))
    }

    pub fn publish(&self, spec: Value) -> Published {
        let answer = self.php("publish", &spec.to_string());
        Published { id: answer["id"].as_i64().expect("id"), link: answer["link"].as_str().expect("link").to_owned() }
    }

    /// A reader's visit: WordPress runs its due cron events (the Update
    /// Services pings after a publish) on page loads.
    pub async fn visit(&self) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        let _ = client.get(format!("{}/", self.url)).send().await;
    }

    /// A Warta config watching the site's main feed and its Samarinda category
    /// feed (neither named: the site's own name signs the posts), polled every
    /// `interval`, with its HTTP listener on `port` and `fetch` lines added
    /// to `[fetch]`.
    pub fn warta_config(&self, env: &TestEnv, port: u16, interval: &str, fetch: &str) -> String {
        let feeds = format!(
            "[[feeds]]\nurl = \"{url}/feed/\"\ninterval = \"{interval}\"\nmax_interval = \"{interval}\"\n\n\
             [[feeds]]\nurl = \"{url}/category/samarinda/feed/\"\ninterval = \"{interval}\"\nmax_interval = \"{interval}\"\n",
            url = self.url
        );
        let base = env.config_text_with_fetch(
            fetch,
            &format!(
                "[http]\nlisten = \"127.0.0.1:{port}\"\n\n[format]\n\
                 remove_paragraphs = [\"Dapatkan update berita pilihan dan breaking news setiap hari\"]\n\n{feeds}"
            ),
        );
        // Drop the fake publisher's feed from the base config.
        let start = base.find("[[feeds]]\nurl = \"http://127.0.0.1").expect("base feed");
        let end = base[start..].find("[[channels]]").map(|i| start + i).expect("channels");
        let base = format!("{}{}", &base[..start], &base[end..]);
        base.replace("max_interval = \"1s\"", &format!("max_interval = \"{interval}\""))
    }

    /// Waits until Apache has answered `more` further requests for `path`.
    pub async fn wait_for_fetches(&self, path: &str, more: usize, within: Duration) {
        let seen = self.statuses(path).len();
        let deadline = std::time::Instant::now() + within;
        while self.statuses(path).len() < seen + more {
            assert!(std::time::Instant::now() < deadline, "{path} not fetched {more} more times within {within:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The status codes Apache answered for `path` so far.
    pub fn statuses(&self, path: &str) -> Vec<u16> {
        let log = std::fs::read_to_string(&self.access_log).unwrap_or_default();
        log.lines()
            .filter(|line| line.contains(&format!("\"GET {path} ")))
            .filter_map(|line| line.split('"').nth(2)?.split_whitespace().next()?.parse().ok())
            .collect()
    }
}
