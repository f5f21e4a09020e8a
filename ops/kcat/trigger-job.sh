#!/bin/sh
# Run a job now with kcat: publishes ops/examples/trigger.json as almanac.job.triggered (source
# "manual", a fresh UUID as trigger id, scheduledFor = now) on the triggers topic, keyed by the job
# key ACCOUNT/APP/JOB. A worker runs it once (workers dedupe by trigger id) and charges it.
#
#   ops/kcat/trigger-job.sh ACCOUNT APP JOB ['{"params":"json"}']   e.g. ops/kcat/trigger-job.sh northwind inventory-sync sync-stock
#
# Brokers, time and prefix as in pause-app.sh. Needs kcat and jq. The key must be the job key and the
# partitioner murmur2_random, so the trigger lands on the partition of its job's executions.
set -eu
account=${1:?usage: trigger-job.sh ACCOUNT APP JOB [PARAMS_JSON]}
app=${2:?usage: trigger-job.sh ACCOUNT APP JOB [PARAMS_JSON]}
job=${3:?usage: trigger-job.sh ACCOUNT APP JOB [PARAMS_JSON]}
params=${4:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/ops/kcat/lib.sh"
key="$account/$app/$job"
jq -c --arg account "$account" --arg app "$app" --arg job "$job" --arg key "$key" --arg id "$id" --arg t "$now" --arg params "$params" \
  '.id=$id | .time=$t | .subject=$key | .data.triggerId=$id | .data.job={account:$account, app:$app, job:$job} | .data.scheduledFor=$t
   | if $params == "" then . else .data.params=($params | fromjson) end' "$here/ops/examples/trigger.json" |
  kcat -P -b "$brokers" -t "${prefix}triggers" -k "$key" -X partitioner=murmur2_random \
    -H ce_type=almanac.job.triggered -H "ce_id=$id" -H ce_specversion=1.0
echo "triggered $key at $now (trigger id $id)"
