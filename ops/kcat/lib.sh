# Shared by the ops/kcat recipes (sourced, not run): resolves $brokers, $prefix and $now.
# Brokers: $ALMANAC_BROKERS, else <state>/dev.brokers written by `almanac dev` (state =
# $ALMANAC_STATE_DIR, default .almanac). Topic prefix: $ALMANAC_TOPIC_PREFIX, else dev.json's, else
# almanac.. Time: now, or `almanac dev`'s simulated now when <state>/dev.json exists (Almanac judges
# control events by their event time, not by when they arrive).
state=${ALMANAC_STATE_DIR:-.almanac}
brokers=${ALMANAC_BROKERS:-$(cat "$state/dev.brokers" 2>/dev/null || true)}
[ -n "$brokers" ] || { echo "$(basename "$0"): set ALMANAC_BROKERS or run almanac dev (no $state/dev.brokers)" >&2; exit 2; }
prefix=${ALMANAC_TOPIC_PREFIX:-$(jq -r '.topicPrefix // "almanac."' "$state/dev.json" 2>/dev/null || echo almanac.)}
if [ -f "$state/dev.json" ]; then
  # Simulated now = clockStart + (real now - realAnchor) * speed, to the millisecond.
  now=$(jq -r -n --slurpfile d "$state/dev.json" '$d[0] | ((.clockStart | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) + (now - .realAnchor) * .speed) * 1000 | floor | ((. / 1000 | floor | strftime("%Y-%m-%dT%H:%M:%S")) + "." + ("00" + (. % 1000 | tostring))[-3:] + "Z")')
else
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
fi
id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)

# require_app APP: exits 2 unless APP is configured now, i.e. the last event under its key on the
# config topic (read from the beginning to the end with kcat) is not almanac.app.removed. Prints the
# app's account on stdout (for app.removed); the error lists at most 10 configured apps.
require_app() {
  apps=$(kcat -C -b "$brokers" -t "${prefix}config" -e -q -f '%k\t%h\t%s\n' 2>/dev/null |
    jq -R -r 'split("\t") | select(length >= 3) | [.[0], (if (.[1] | test("ce_type=almanac\\.app\\.removed")) then "-" else ((.[2:] | join("\t") | fromjson? | .data.config.account) // "-") end)] | @tsv' |
    awk -F'\t' '{ account[$1] = $2 } END { for (a in account) if (account[a] != "-") print a "\t" account[a] }' | sort)
  found=$(printf '%s\n' "$apps" | awk -F'\t' -v app="$1" '$1 == app { print $2 }')
  if [ -z "$found" ]; then
    count=$(printf '%s\n' "$apps" | grep -c . || true)
    some=$(printf '%s\n' "$apps" | cut -f1 | head -n 10 | paste -sd, - | sed 's/,/, /g')
    echo "$(basename "$0"): app \"$1\" is not configured ($count apps are configured${some:+, e.g. $some}); nothing published" >&2
    exit 2
  fi
  printf '%s\n' "$found"
}
