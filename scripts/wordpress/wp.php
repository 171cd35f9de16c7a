<?php
// Makes the test site's content through WordPress's own PHP API.
//
//   php wp.php SITE_DIR install
//   php wp.php SITE_DIR publish '{"title":…,"content":…,"categories":["samarinda"],"tags":["PLN"],
//                                 "featured":true,"inline_image":true,"password":"…","status":"future",
//                                 "date":"2026-12-06 20:00:00"}'         → {"id":…,"link":…,"guid":…}
//   php wp.php SITE_DIR redate ID        bumps a post to the top (post_date = now)
//   php wp.php SITE_DIR trash ID | unpublish ID | republish ID
//   php wp.php SITE_DIR pings URL        sets Settings → Writing → Update Services
//   php wp.php SITE_DIR run-cron         runs due cron events (the pings) now
// Every command prints one JSON line.

if ($argc < 3) { fwrite(STDERR, "usage: wp.php SITE_DIR COMMAND [ARG]\n"); exit(2); }
[$self, $site, $command] = $argv;
$arg = $argv[3] ?? '';
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
if ($command === 'install') { define('WP_INSTALLING', true); }
define('WP_USE_THEMES', false);
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/taxonomy.php';

function out($value) { echo json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n"; }
function fail($message) { fwrite(STDERR, "wp.php: $message\n"); exit(1); }

// A JPEG made here, so no picture lives in the repository.
function featured_image($post_id, $width, $height, $name) {
    $image = imagecreatetruecolor($width, $height);
    imagefilledrectangle($image, 0, 0, $width, $height, imagecolorallocate($image, 20, 90, 160));
    imagestring($image, 5, 20, 20, $name, imagecolorallocate($image, 255, 255, 255));
    ob_start(); imagejpeg($image, null, 80); $bytes = ob_get_clean();
    $upload = wp_upload_bits($name . '.jpg', null, $bytes);
    if (!empty($upload['error'])) fail('upload: ' . $upload['error']);
    $attachment = wp_insert_attachment(
        ['post_mime_type' => 'image/jpeg', 'post_title' => $name, 'post_status' => 'inherit'],
        $upload['file'], $post_id);
    wp_update_attachment_metadata($attachment, wp_generate_attachment_metadata($attachment, $upload['file']));
    return [$attachment, $upload['url']];
}

function term_ids($slugs) {
    $ids = [];
    foreach ($slugs as $slug) {
        $term = get_category_by_slug($slug);
        if (!$term) fail("no category $slug");
        $ids[] = $term->term_id;
    }
    return $ids;
}

switch ($command) {
case 'install':
    add_filter('pre_wp_mail', '__return_false'); // no mail server here
    $result = wp_install('Kaltimtoday.co', 'redaksi', 'redaksi@example.invalid', true, '', 'redaksi-password', 'id_ID');
    update_option('permalink_structure', '/%postname%/');
    update_option('timezone_string', 'Asia/Makassar');
    update_option('blogdescription', 'Berita Kalimantan Timur');
    update_option('posts_per_rss', 10);
    update_option('rss_use_excerpt', 0);
    update_option('ping_sites', '');
    flush_rewrite_rules(true);
    foreach (['Samarinda', 'Kutai Kartanegara', 'Advertorial', 'Pilihan Redaksi', 'Balikpapan'] as $name) {
        wp_insert_category(['cat_name' => $name, 'category_nicename' => sanitize_title($name)]);
    }
    wp_delete_post(1, true); // "Hello world!"
    wp_delete_post(2, true); // "Sample Page"
    out(['installed' => true, 'url' => home_url('/')]);
    break;

case 'publish':
    $spec = json_decode($arg, true);
    if (!is_array($spec)) fail('publish takes a JSON object');
    $post = [
        'post_title' => $spec['title'],
        'post_content' => $spec['content'] ?? '',
        'post_excerpt' => $spec['excerpt'] ?? '',
        'post_status' => $spec['status'] ?? 'publish',
        'post_author' => 1,
        'post_category' => term_ids($spec['categories'] ?? ['samarinda']),
        'tags_input' => $spec['tags'] ?? [],
        'post_password' => $spec['password'] ?? '',
    ];
    if (isset($spec['date'])) { $post['post_date'] = $spec['date']; }
    // The post is made as a draft first so that its images exist when it goes live.
    $final_status = $post['post_status'];
    $post['post_status'] = 'draft';
    $id = wp_insert_post($post, true);
    if (is_wp_error($id)) fail($id->get_error_message());
    if (!empty($spec['inline_image'])) {
        [, $url] = featured_image($id, 1200, 800, "inline-$id");
        $content = '<p><img src="' . $url . '" width="1200" height="800" alt="Foto" /></p>' . $post['post_content'];
        wp_update_post(['ID' => $id, 'post_content' => $content]);
    }
    if (!empty($spec['featured'])) {
        [$attachment] = featured_image($id, 1200, 675, "featured-$id");
        set_post_thumbnail($id, $attachment);
    }
    $update = ['ID' => $id, 'post_status' => $final_status];
    if (isset($spec['date'])) { $update['post_date'] = $spec['date']; $update['post_date_gmt'] = get_gmt_from_date($spec['date']); }
    wp_update_post($update);
    clean_post_cache($id);
    out(['id' => $id, 'link' => get_permalink($id), 'guid' => get_the_guid($id), 'status' => get_post_status($id)]);
    break;

case 'redate':
    $now = current_time('mysql');
    wp_update_post(['ID' => (int) $arg, 'post_date' => $now, 'post_date_gmt' => get_gmt_from_date($now)]);
    out(['id' => (int) $arg, 'date' => $now]);
    break;

case 'trash':
    out(['id' => (int) $arg, 'trashed' => (bool) wp_trash_post((int) $arg)]);
    break;

case 'unpublish':
    wp_update_post(['ID' => (int) $arg, 'post_status' => 'draft']);
    out(['id' => (int) $arg, 'status' => get_post_status((int) $arg)]);
    break;

case 'republish':
    wp_untrash_post((int) $arg);
    wp_update_post(['ID' => (int) $arg, 'post_status' => 'publish']);
    out(['id' => (int) $arg, 'status' => get_post_status((int) $arg)]);
    break;

case 'pings':
    update_option('ping_sites', $arg);
    out(['ping_sites' => get_option('ping_sites')]);
    break;

case 'run-cron':
    // What wp-cron.php does on a visit: run the events that are due.
    $ran = [];
    foreach (_get_cron_array() ?: [] as $timestamp => $hooks) {
        if ($timestamp > time()) continue;
        foreach ($hooks as $hook => $events) {
            foreach ($events as $key => $event) {
                wp_unschedule_event($timestamp, $hook, $event['args']);
                do_action_ref_array($hook, $event['args']);
                $ran[] = $hook;
            }
        }
    }
    out(['ran' => $ran]);
    break;

default:
    fail("unknown command $command");
}
