#!/usr/bin/env bash
# A throwaway WordPress for the end-to-end tests: Debian's wordpress, mariadb-server,
# apache2 and PHP, serving one Kaltimtoday-like site on 127.0.0.1 only.
#
#   scripts/wordpress.sh start   installs the packages when missing, starts MariaDB (socket
#                                only, no TCP) and Apache (127.0.0.1:$WARTA_WORDPRESS_PORT or a
#                                free port), installs the site; prints WARTA_TEST_WORDPRESS=<dir>
#   scripts/wordpress.sh stop    stops both and deletes everything it made
#
# The state directory (site copy, database files, logs, env file) lives under /tmp because
# Apache's workers run as www-data and must be able to reach it; target/wordpress.state names it.
# Content is made by scripts/wordpress/wp.php through WordPress's own PHP API.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
pointer="$repo/target/wordpress.state"
packages=(wordpress mariadb-server apache2 libapache2-mod-php php-mysql php-gd php-xml)

say() { printf 'wordpress.sh: %s\n' "$*" >&2; }

install_packages() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "missing packages (${missing[*]}) and not root: cannot install them"
        return 1
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts the system services on install; this script runs its own.
    (service apache2 stop; service mariadb stop) >/dev/null 2>&1 || true
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    say "$what did not come up within ${seconds}s"; return 1
}

start() {
    [ -f "$pointer" ] && stop
    install_packages
    local dir port php_ini
    dir="$(mktemp -d /tmp/warta-wordpress.XXXXXX)"
    chmod 755 "$dir"
    mkdir -p "$(dirname "$pointer")"
    echo "$dir" >"$pointer"
    port="${WARTA_WORDPRESS_PORT:-$(free_port)}"
    mkdir -p "$dir/mysql" "$dir/logs" "$dir/run"

    # MariaDB: its own data directory, a socket only.
    mariadb-install-db --no-defaults --datadir="$dir/mysql" --user=root --auth-root-authentication-method=normal \
        >"$dir/logs/mariadb-install.log" 2>&1
    mariadbd --no-defaults --datadir="$dir/mysql" --socket="$dir/run/mysql.sock" --pid-file="$dir/run/mysql.pid" \
        --skip-networking --user=root --log-error="$dir/logs/mariadb.log" >/dev/null 2>&1 &
    wait_for 30 MariaDB mariadb --no-defaults --socket="$dir/run/mysql.sock" -uroot -e 'SELECT 1'
    mariadb --no-defaults --socket="$dir/run/mysql.sock" -uroot -e "CREATE DATABASE wordpress;
        CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'wordpress';
        GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"

    # The site: a copy of Debian's WordPress with its own wp-config.php.
    cp -a /usr/share/wordpress "$dir/site"
    rm -f "$dir/site/wp-config.php" "$dir/site/.htaccess"
    mkdir -p "$dir/site/wp-content/uploads"
    chown -R www-data:www-data "$dir/site/wp-content/uploads"
    cat >"$dir/site/wp-config.php" <<PHP
<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'wordpress');
define('DB_HOST', 'localhost:$dir/run/mysql.sock');
define('DB_CHARSET', 'utf8mb4');
define('WP_HOME', 'http://127.0.0.1:$port');
define('WP_SITEURL', 'http://127.0.0.1:$port');
define('WP_AUTO_UPDATE_CORE', false);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_ACCESSIBLE_HOSTS', '127.0.0.1');
\$table_prefix = 'wp_';
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
PHP

    # Apache: Debian's modules and its default compression (which appends -gzip to ETags).
    php_ini="$(ls /usr/lib/apache2/modules/libphp*.so | head -1)"
    cat >"$dir/apache2.conf" <<CONF
ServerRoot "/etc/apache2"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $dir/run/apache2.pid
Mutex file:$dir/run default
DefaultRuntimeDir $dir/run
User www-data
Group www-data
ErrorLog $dir/logs/apache-error.log
LogFormat "%h %t \"%r\" %>s %b %D" timed
CustomLog $dir/logs/apache-access.log timed
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
LoadModule php_module $php_ini
Include /etc/apache2/mods-available/deflate.conf
TypesConfig /etc/mime.types
StartServers 2
MinSpareServers 2
MaxSpareServers 4
DocumentRoot $dir/site
DirectoryIndex index.php index.html
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
<Directory $dir/site>
    Require all granted
    RewriteEngine On
    RewriteBase /
    RewriteRule ^index\.php$ - [L]
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteRule . /index.php [L]
</Directory>
CONF
    apache2 -f "$dir/apache2.conf" -k start
    wait_for 30 Apache curl -fsS -o /dev/null "http://127.0.0.1:$port/wp-includes/images/blank.gif"

    php "$repo/scripts/wordpress/wp.php" "$dir/site" install >"$dir/logs/install.log"
    {
        echo "url=http://127.0.0.1:$port"
        echo "site=$dir/site"
        echo "wp=$repo/scripts/wordpress/wp.php"
    } >"$dir/env"
    say "WordPress $(php -r "include '$dir/site/wp-includes/version.php'; echo \$wp_version;") on http://127.0.0.1:$port"
    echo "WARTA_TEST_WORDPRESS=$dir"
}

stop() {
    [ -f "$pointer" ] || return 0
    local dir; dir="$(cat "$pointer")"
    if [ -f "$dir/apache2.conf" ]; then apache2 -f "$dir/apache2.conf" -k stop >/dev/null 2>&1 || true; fi
    if [ -f "$dir/run/mysql.pid" ]; then kill "$(cat "$dir/run/mysql.pid")" 2>/dev/null || true; fi
    for _ in $(seq 100); do
        { [ -f "$dir/run/mysql.pid" ] || [ -f "$dir/run/apache2.pid" ]; } || break
        sleep 0.1
    done
    case "$dir" in /tmp/warta-wordpress.*) rm -rf "$dir" ;; esac
    rm -f "$pointer"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
