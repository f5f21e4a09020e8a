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
. "$here/ops/kcat/lib.sh"
require_app "$app" >/dev/null
jq -c --arg app "$app" --arg id "$id" --arg t "$now" --arg actor "kcat:${USER:-unknown}" \
  '.id=$id | .time=$t | .subject=$app | .data.app=$app | .data.actor=$actor' "$here/ops/examples/resume.json" |
  kcat -P -b "$brokers" -t "${prefix}control" -k "$app" -X partitioner=murmur2_random \
    -H ce_type=almanac.schedule.resumed -H "ce_id=$id" -H ce_specversion=1.0
echo "resumed $app at $now (id $id)"
