#!/usr/bin/env bash
# The plugin in a real WordPress: Debian's package (WordPress 6.1) on PHP's web server and the
# local MariaDB, with the service beside it. The plugin is installed from its zip, its settings
# are saved through wp-admin as an administrator would, an Author's post carries the shortcode,
# and a supporter signs through the frame that post shows, credited to the post's partner code.
# Usage: integrations/wordpress/tests/wordpress.sh   (after build.sh and `cargo build`;
# KEEP=1 keeps the scratch folder, with every page fetched, for reading after a failure)
set -euo pipefail
cd "$(dirname "$0")/../../.."
repo="$PWD"
zip="$repo/target/undersigned-wordpress.zip"
service_bin="$repo/target/debug/undersigned"
[ -f "$zip" ] || { echo "FAILED: $zip is missing: run integrations/wordpress/build.sh" >&2; exit 1; }
[ -x "$service_bin" ] || { echo "FAILED: $service_bin is missing: run cargo build" >&2; exit 1; }
[ -f /usr/share/wordpress/wp-settings.php ] ||
    { echo "FAILED: WordPress is not installed (apt-get install wordpress php-mysql)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "FAILED: $*" >&2; exit 1; }
expect() { # expect WHAT FILE TEXT: the file holds the text
    grep -qF -- "$3" "$2" || { echo "--- $2:" >&2; head -c 4000 "$2" >&2; fail "$1"; }
}

work="$(mktemp -d)"
db="undersigned_wp_$$"
cleanup() {
    kill ${wp_server:-} ${service_pid:-} 2>/dev/null || true
    mariadb -uroot -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
    [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# The service, with an organiser and a campaign that lets the WordPress site frame its form.
service_port=$(free_port)
wp_port=$(free_port)
service="http://127.0.0.1:$service_port"
site="http://127.0.0.1:$wp_port"
export DATABASE_URL="sqlite://$work/undersigned.db" UNDERSIGNED_BIND="127.0.0.1:$service_port" \
    UNDERSIGNED_PUBLIC_URL="$service" UNDERSIGNED_OUTBOX_DIR="$work/outbox" \
    UNDERSIGNED_JWT_SECRET="$(openssl rand -base64 48)" RUST_LOG=warn
"$service_bin" migrate >/dev/null
printf 'wordpress test password\n' | "$service_bin" user create --email carolyne@article39.example >/dev/null
"$service_bin" serve 2>"$work/service.log" &
service_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$service_port/healthz" >/dev/null && break; sleep 0.1; done
api="http://127.0.0.1:$service_port"
token=$(jq -n '{email: "carolyne@article39.example", password: "wordpress test password"}' |
    curl -sf "$api/v1/auth/token" -H 'Content-Type: application/json' -d @- | jq -r .access_token)
call() { curl -sf -X "$1" "$api$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
call PATCH /v1/users/me '{"organiser": {"name": "Together for Children", "privacy_url": "https://togetherforchildren.org.uk/privacy", "contact_email": "hello@togetherforchildren.org.uk"}}' >/dev/null
call POST /v1/campaigns "$(jq -n --arg site "$site" '{slug: "scrapsi445", kind: "petition",
    title: "Scrap SI 445", summary: "Restore the protections SI 445 took from children in care.",
    body: "We call on the Secretary of State for Education to revoke SI 445.",
    require_confirmation: false, allowed_origins: [$site]}')" >/dev/null
call PATCH /v1/campaigns/scrapsi445 '{"status": "open"}' >/dev/null
call POST /v1/campaigns "$(jq -n '{slug: "still-a-draft", kind: "petition", title: "Draft",
    summary: "Not open yet.", body: "Not open yet."}')" >/dev/null

# WordPress, as Debian packages it, in a folder of its own with its own configuration.
mariadb -uroot -e "CREATE DATABASE $db"
cp -a /usr/share/wordpress "$work/wordpress"
wp="$work/wordpress"
cat >"$wp/wp-config.php" <<PHP
<?php
define( 'DB_NAME', '$db' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', '127.0.0.1' );
define( 'WP_HOME', '$site' );
define( 'WP_SITEURL', '$site' );
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
\$table_prefix = 'wp_';
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
PHP
PHP_CLI_SERVER_WORKERS=4 php -S "127.0.0.1:$wp_port" -t "$wp" >"$work/wordpress.log" 2>&1 &
wp_server=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "$site/wp-login.php" && break; sleep 0.1; done

# The site is installed through its own install page, as a person would.
curl -sf -o /dev/null "$site/wp-admin/install.php?step=2" --data-urlencode weblog_title="Coalition" \
    --data-urlencode user_name=admin --data-urlencode admin_password="admin password 1234" \
    --data-urlencode admin_password2="admin password 1234" --data-urlencode pw_weak=1 \
    --data-urlencode admin_email=admin@example.org --data-urlencode blog_public=0 --data-urlencode language=
login() { # login USER PASSWORD JAR
    curl -s -o /dev/null -c "$3" -b "$3" "$site/wp-login.php"
    curl -s -o /dev/null -c "$3" -b "$3" "$site/wp-login.php" --data-urlencode log="$1" \
        --data-urlencode pwd="$2" --data-urlencode wp-submit="Log In" --data-urlencode testcookie=1
    curl -s -b "$3" "$site/wp-admin/" -o "$work/dashboard.html"
    expect "$1 could not log in" "$work/dashboard.html" "wp-admin-bar-my-account"
}
admin="$work/admin.jar"
login admin "admin password 1234" "$admin"

# Install the plugin from its zip (Plugins, Add New, Upload Plugin), then activate it.
curl -s -b "$admin" "$site/wp-admin/plugin-install.php?tab=upload" -o "$work/upload.html"
nonce=$(grep -o 'name="_wpnonce" value="[^"]*"' "$work/upload.html" | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$admin" "$site/wp-admin/update.php?action=upload-plugin" -F "_wpnonce=$nonce" \
    -F "_wp_http_referer=/wp-admin/plugin-install.php?tab=upload" -F "pluginzip=@$zip" \
    -F "install-plugin-submit=Install Now" -o "$work/installed.html"
expect "the zip did not install" "$work/installed.html" "Plugin installed successfully."
activate=$(grep -o 'href="[^"]*action=activate[^"]*undersigned[^"]*"' "$work/installed.html" | head -1 |
    sed 's/^href="//; s/"$//; s/&amp;/\&/g')
[ -n "$activate" ] || fail "no Activate link after installing"
curl -s -b "$admin" -o /dev/null "$(case "$activate" in http*) echo "$activate" ;; *) echo "$site/wp-admin/$activate" ;; esac)"
curl -s -b "$admin" "$site/wp-admin/plugins.php" -o "$work/plugins.html"
expect "the plugin is not active" "$work/plugins.html" 'id="deactivate-undersigned"'
expect "the Plugins row has no Settings link" "$work/plugins.html" "options-general.php?page=undersigned"

# Settings, as an administrator saves them: a wrong address is refused with its reason and
# kept in the field; the embed.js address is cut back to the service's and checked.
save_address() {
    curl -s -b "$admin" "$site/wp-admin/options-general.php?page=undersigned" -o "$work/settings.html"
    local nonce
    nonce=$(grep -o 'name="_wpnonce" value="[^"]*"' "$work/settings.html" | head -1 | sed 's/.*value="//; s/"//')
    curl -s -b "$admin" -o /dev/null "$site/wp-admin/options.php" --data-urlencode option_page=undersigned \
        --data-urlencode action=update --data-urlencode "_wpnonce=$nonce" \
        --data-urlencode "_wp_http_referer=/wp-admin/options-general.php?page=undersigned" \
        --data-urlencode "undersigned_service_url=$1"
    curl -s -b "$admin" "$site/wp-admin/options-general.php?page=undersigned&settings-updated=true" -o "$work/settings.html"
}
save_address "https://sign.example.org/petitions?x=1"
expect "a query was not named as the problem" "$work/settings.html" "must not end with a ?query or #fragment"
expect "what was typed was not kept" "$work/settings.html" 'value="https://sign.example.org/petitions?x=1"'
save_address "$api/embed.js"
expect "the saved address is not the service's base" "$work/settings.html" "value=\"$api\""
if grep -q "does not answer as an Undersigned service" "$work/settings.html"; then
    fail "the service's own address was said not to answer"
fi

# An Author (no unfiltered_html) writes a post with the shortcode.
curl -s -b "$admin" "$site/wp-admin/user-new.php" -o "$work/user-new.html"
nonce=$(grep -o 'name="_wpnonce_create-user" value="[^"]*"' "$work/user-new.html" | sed 's/.*value="//; s/"//')
curl -s -b "$admin" -o /dev/null "$site/wp-admin/user-new.php" --data-urlencode action=createuser \
    --data-urlencode "_wpnonce_create-user=$nonce" --data-urlencode user_login=sian \
    --data-urlencode email=sian@example.org --data-urlencode pass1="author password 1234" \
    --data-urlencode pass2="author password 1234" --data-urlencode pw_weak=on --data-urlencode role=author \
    --data-urlencode createuser="Add New User"
author="$work/author.jar"
login sian "author password 1234" "$author"
post() { # post TITLE CONTENT: publishes as the Author through the classic editor; prints the post's id
    curl -s -b "$author" "$site/wp-admin/post-new.php?classic-editor" -o "$work/new-post.html"
    local id nonce
    id=$(grep -o "name='post_ID' value='[0-9]*'" "$work/new-post.html" | grep -o '[0-9]*' | head -1)
    [ -n "$id" ] || id=$(grep -o 'name="post_ID" value="[0-9]*"' "$work/new-post.html" | grep -o '[0-9]*' | head -1)
    nonce=$(grep -o 'name="_wpnonce" value="[^"]*"' "$work/new-post.html" | head -1 | sed 's/.*value="//; s/"//')
    curl -s -b "$author" -o /dev/null "$site/wp-admin/post.php" --data-urlencode action=editpost \
        --data-urlencode post_ID="$id" --data-urlencode "_wpnonce=$nonce" --data-urlencode post_type=post \
        --data-urlencode post_title="$1" --data-urlencode content="$2" --data-urlencode publish=Publish \
        --data-urlencode post_status=publish --data-urlencode user_ID=2
    echo "$id"
}
signing_post=$(post "Sign to scrap SI 445" '[undersigned campaign="scrapsi445" source="nyas"]')
draft_post=$(post "Coming soon" '[undersigned campaign="still-a-draft"]')

# Visitors see the frame, and nothing about drafts; the Author, editing, is told.
curl -sL "$site/?p=$signing_post" -o "$work/post.html"
frame="$api/embed/scrapsi445?source=nyas"
expect "the post has no frame" "$work/post.html" "src=\"$frame\""
expect "the post does not load embed.js" "$work/post.html" "$api/embed.js"
curl -sL "$site/?p=$draft_post" -o "$work/draft-visitor.html"
if grep -q 'class="undersigned-notice"' "$work/draft-visitor.html"; then fail "a visitor was shown an editor's notice"; fi
curl -sL -b "$author" "$site/?p=$draft_post" -o "$work/draft-author.html"
expect "the Author was not told the campaign is a draft" "$work/draft-author.html" 'there is no open campaign &quot;still-a-draft&quot;'

# A supporter signs in the frame: the form page allows this site to frame it, and its plain
# POST (the form's own, from the frame) records the signature with the post's partner code.
curl -s -D "$work/frame.headers" "$frame" -H "Referer: $site/" -o "$work/frame.html"
grep -i '^content-security-policy:' "$work/frame.headers" | grep -qF "frame-ancestors 'self' $site" ||
    { cat "$work/frame.headers" >&2; fail "the form does not let $site frame it"; }
version=$(grep -o 'name="consent_version" value="[0-9]*"' "$work/frame.html" | grep -o '[0-9]*$' | head -1)
curl -s "$api/embed/scrapsi445" -H "Origin: $api" -H "Referer: $frame" -o "$work/signed.html" \
    --data-urlencode "name=Siân Lloyd" --data-urlencode email=sian.lloyd@example.org \
    --data-urlencode public=true --data-urlencode source=nyas --data-urlencode "consent_version=$version"
expect "signing in the frame did not thank the signer" "$work/signed.html" "your signature is counted"
call GET "/v1/campaigns/scrapsi445/signatures?status=confirmed" >"$work/signatures.json"
[ "$(jq -r '.signatures[0].source' "$work/signatures.json")" = nyas ] ||
    { cat "$work/signatures.json" >&2; fail "the signature was not credited to nyas"; }
# The public count shows a new signature within a second (it is kept in memory and refreshed).
counted=""
for _ in $(seq 1 20); do
    counted=$(curl -sf "$api/v1/campaigns/scrapsi445/count" | jq .total)
    [ "$counted" = 1 ] && break
    sleep 0.1
done
[ "$counted" = 1 ] || fail "the count is not 1 after two seconds (it is $counted)"

# Deactivating, then deleting the plugin (Plugins, Delete) removes its setting and its files.
deactivate=$(grep -o 'href="[^"]*action=deactivate[^"]*undersigned[^"]*"' "$work/plugins.html" | head -1 |
    sed 's/^href="//; s/"$//; s/&amp;/\&/g')
curl -s -b "$admin" -o /dev/null "$site/wp-admin/$deactivate"
curl -s -b "$admin" "$site/wp-admin/plugins.php" -o "$work/plugins.html"
expect "the plugin did not deactivate" "$work/plugins.html" 'id="activate-undersigned"'
nonce=$(grep -o 'name="_wpnonce" value="[^"]*"' "$work/plugins.html" | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$admin" -o "$work/deleted.html" "$site/wp-admin/plugins.php" --data-urlencode action=delete-selected \
    --data-urlencode "checked[]=undersigned/undersigned.php" --data-urlencode "_wpnonce=$nonce" \
    --data-urlencode verify-delete=1
left=$(mariadb -uroot -N -e "SELECT COUNT(*) FROM $db.wp_options WHERE option_name = 'undersigned_service_url'")
[ "$left" = 0 ] || fail "deleting the plugin left its setting behind"
[ ! -d "$wp/wp-content/plugins/undersigned" ] || fail "deleting the plugin left its files"

echo "ok: the plugin works in WordPress $(php -r "include '$wp/wp-includes/version.php'; echo \$wp_version;")"
