#!/usr/bin/env bash
# A campaign's page against /healthz, read by wrk (64 connections, a fresh client address per
# request, through X-Forwarded-For) and then by the load generator, in one run on a fresh
# SQLite database. Prints each rate and the page's ratio to /healthz.
# Usage: bench/pages.sh [SECONDS]   (needs wrk: apt-get install wrk; builds the release binaries)
#        BIN=DIR bench/pages.sh       (the binaries in DIR instead, e.g. an earlier build's)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
bin="${BIN:-target/release}"
[ -n "${BIN:-}" ] || cargo build --quiet --release --features loadgen --bins
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/bench.db" UNDERSIGNED_BIND="127.0.0.1:$port" \
    UNDERSIGNED_JWT_SECRET="$(openssl rand -base64 48)" \
    UNDERSIGNED_OUTBOX_DIR="$work/outbox" UNDERSIGNED_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn
"$bin/undersigned" migrate >/dev/null
printf 'bench password bench\n' | "$bin/undersigned" user create --email bench@example.org >/dev/null
"$bin/undersigned" serve 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "$base/v1/auth/token" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.org","password":"bench password bench"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf -X POST "$base/v1/campaigns" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"slug":"scrapsi445","kind":"petition","title":"Scrap SI 445: reinstate children'"'"'s rights in care","summary":"Statutory Instrument 445 removed legal protections from children in care.","body":"We call on the Secretary of State for Education to revoke SI 445.","target":100000,"organiser":{"name":"Together for Children","privacy_url":"https://togetherforchildren.org.uk/privacy","contact_email":"hello@togetherforchildren.org.uk"}}' >/dev/null
curl -sf -X PATCH "$base/v1/campaigns/scrapsi445" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"status":"open"}' >/dev/null
echo "page: $(curl -sf "$base/c/scrapsi445" | wc -c) bytes"
rate() {
    wrk -t2 -c64 -d"${seconds}s" -s bench/fresh-address.lua "$@" | awk '/^Requests\/sec/ {print $2}'
}
healthz=$(rate "$base/healthz")
page=$(rate "$base/c/scrapsi445")
# As a browser asks for it.
zipped=$(rate -H "Accept-Encoding: gzip, deflate, br, zstd" "$base/c/scrapsi445")
python3 -c "
h, p, z = float('$healthz'), float('$page'), float('$zipped')
print(f'wrk, 64 connections, a fresh address each: /healthz {h:,.0f}/s')
print(f'  /c/{{slug}}                    {p:,.0f}/s, {p/h:.2f}x /healthz')
print(f'  /c/{{slug}}, as a browser asks {z:,.0f}/s, {z/h:.2f}x /healthz')"
kill $server; wait $server 2>/dev/null || true
"$bin/loadgen" --pages-only --seconds "$seconds" | grep -E "healthz|slug"
