#!/bin/sh
# Pause an app's schedules with kcat: publishes ops/examples/pause.json as almanac.schedule.paused on
# the control topic, keyed by the app id. Runs due after the event's time are skipped
# (job.skipped, reason "paused") from the next tick on; they are not caught up after a resume.
#
#   ops/kcat/pause-app.sh APP [REASON]          e.g. ops/kcat/pause-app.sh clinic-reminders "clinic closed"
#
# Exits 2 without publishing when APP is not configured (read from the config topic).
# Brokers: $ALMANAC_BROKERS, else <state>/dev.brokers written by `almanac dev` (state = $ALMANAC_STATE_DIR,
# default .almanac). Time: now, or `almanac dev`'s simulated now when <state>/dev.json exists (Almanac
# judges a pause by its event time, not by when it arrives). Topic prefix: $ALMANAC_TOPIC_PREFIX (almanac.).
# Needs kcat and jq. The one line that matters, for a real cluster (replace APP and the brokers):
#
#   id=$(cat /proc/sys/kernel/random/uuid); jq -c --arg app APP --arg id "$id" --arg t "$(date -u +%FT%T.000Z)" '.id=$id|.time=$t|.subject=$app|.data.app=$app' ops/examples/pause.json | kcat -P -b BROKERS -t almanac.control -k APP -X partitioner=murmur2_random -H ce_type=almanac.schedule.paused -H ce_id=$id -H ce_specversion=1.0
#
# The key must be the app id and the partitioner murmur2_random (Java's), so the pause lands on the
# partition Almanac's own pause/resume for that app use and stays in order with them. The headers
# ce_type and ce_id repeat the event's type and id (CloudEvents Kafka binding).
set -eu
app=${1:?usage: pause-app.sh APP [REASON]}
reason=${2:-paused with kcat}
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/ops/kcat/lib.sh"
require_app "$app" >/dev/null
jq -c --arg app "$app" --arg id "$id" --arg t "$now" --arg reason "$reason" --arg actor "kcat:${USER:-unknown}" \
  '.id=$id | .time=$t | .subject=$app | .data.app=$app | .data.reason=$reason | .data.actor=$actor' "$here/ops/examples/pause.json" |
  kcat -P -b "$brokers" -t "${prefix}control" -k "$app" -X partitioner=murmur2_random \
    -H ce_type=almanac.schedule.paused -H "ce_id=$id" -H ce_specversion=1.0
echo "paused $app at $now (id $id)"
