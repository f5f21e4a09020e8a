#!/bin/sh
# Remove an app with kcat: publishes ops/examples/remove.json as almanac.app.removed on the config
# topic, keyed by the app id, with the app's account (read from its last app.configured). Its jobs
# stop from the next tick on; triggers already queued are recorded as job.skipped (removed) and not
# charged. `almanac apply` of the app file brings it back.
#
#   ops/kcat/remove-app.sh APP          e.g. ops/kcat/remove-app.sh clinic-reminders
#
# Brokers, time and topic prefix as in pause-app.sh; exits 2 without publishing if APP is not
# configured. Needs kcat and jq. The one line, for a real cluster (replace APP, ACCOUNT, BROKERS):
#
#   id=$(cat /proc/sys/kernel/random/uuid); jq -c --arg app APP --arg account ACCOUNT --arg id "$id" --arg t "$(date -u +%FT%T.000Z)" '.id=$id|.time=$t|.subject=$app|.data.app=$app|.data.account=$account' ops/examples/remove.json | kcat -P -b BROKERS -t almanac.config -k APP -X partitioner=murmur2_random -H ce_type=almanac.app.removed -H ce_id=$id -H ce_specversion=1.0
set -eu
app=${1:?usage: remove-app.sh APP}
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/ops/kcat/lib.sh"
account=$(require_app "$app")
jq -c --arg app "$app" --arg account "$account" --arg id "$id" --arg t "$now" \
  '.id=$id | .time=$t | .subject=$app | .data.app=$app | .data.account=$account' "$here/ops/examples/remove.json" |
  kcat -P -b "$brokers" -t "${prefix}config" -k "$app" -X partitioner=murmur2_random \
    -H ce_type=almanac.app.removed -H "ce_id=$id" -H ce_specversion=1.0
echo "removed $app (account $account) at $now (id $id)"
