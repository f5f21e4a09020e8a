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
