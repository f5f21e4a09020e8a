#!/bin/sh
# Resume an app's schedules with kcat: publishes ops/examples/resume.json as almanac.schedule.resumed
# on the control topic, keyed by the app id. Runs due after the event's time run again (the next
# slot; nothing missed while paused is caught up).
#
#   ops/kcat/resume-app.sh APP                    e.g. ops/kcat/resume-app.sh clinic-reminders
#
# Brokers, time and topic prefix as in pause-app.sh. The one line, for a real cluster:
#
#   id=$(cat /proc/sys/kernel/random/uuid); jq -c --arg app APP --arg id "$id" --arg t "$(date -u +%FT%T.000Z)" '.id=$id|.time=$t|.subject=$app|.data.app=$app' ops/examples/resume.json | kcat -P -b BROKERS -t almanac.control -k APP -X partitioner=murmur2_random -H ce_type=almanac.schedule.resumed -H ce_id=$id -H ce_specversion=1.0
set -eu
app=${1:?usage: resume-app.sh APP}
here=$(cd "$(dirname "$0")/../.." && pwd)
state=${ALMANAC_STATE_DIR:-.almanac}
brokers=${ALMANAC_BROKERS:-$(cat "$state/dev.brokers" 2>/dev/null || true)}
[ -n "$brokers" ] || { echo "resume-app.sh: set ALMANAC_BROKERS or run almanac dev (no $state/dev.brokers)" >&2; exit 2; }
prefix=${ALMANAC_TOPIC_PREFIX:-$(jq -r '.topicPrefix // "almanac."' "$state/dev.json" 2>/dev/null || echo almanac.)}
if [ -f "$state/dev.json" ]; then
  now=$(jq -r -n --slurpfile d "$state/dev.json" '$d[0] | ((.clockStart | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) + (now - .realAnchor) * .speed) * 1000 | floor | ((. / 1000 | floor | strftime("%Y-%m-%dT%H:%M:%S")) + "." + ("00" + (. % 1000 | tostring))[-3:] + "Z")')
else
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
fi
id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)
jq -c --arg app "$app" --arg id "$id" --arg t "$now" --arg actor "kcat:${USER:-unknown}" \
  '.id=$id | .time=$t | .subject=$app | .data.app=$app | .data.actor=$actor' "$here/ops/examples/resume.json" |
  kcat -P -b "$brokers" -t "${prefix}control" -k "$app" -X partitioner=murmur2_random \
    -H ce_type=almanac.schedule.resumed -H "ce_id=$id" -H ce_specversion=1.0
echo "resumed $app at $now (id $id)"
