#!/usr/bin/env bash
# Tests the WordPress plugin under PHP's CLI, then packages it as the zip an administrator
# uploads (Plugins, Add New, Upload Plugin): target/undersigned-wordpress.zip.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
php -l undersigned/undersigned.php >/dev/null
php tests/test-shortcode.php
out="$here/../../target/undersigned-wordpress.zip"
mkdir -p "$(dirname "$out")"
rm -f "$out"
python3 -m zipfile -c "$out" undersigned
echo "wrote target/undersigned-wordpress.zip"
