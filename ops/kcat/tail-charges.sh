#!/bin/sh
# Tail the charges topic with kcat: one line per credits.charged (time, account, app/job, total
# credits, chargeId), from the beginning, then following new ones (Ctrl-C to stop). A consumer that
# bills from these must count each chargeId once (docs/billing.md): a worker that dies between a
# completion and its charge writes the charge again, identical.
#
#   ops/kcat/tail-charges.sh [-e]      -e: stop at the end instead of following
#
# Brokers and prefix as in pause-app.sh. Needs kcat and jq.
set -eu
state=${ALMANAC_STATE_DIR:-.almanac}
brokers=${ALMANAC_BROKERS:-$(cat "$state/dev.brokers" 2>/dev/null || true)}
[ -n "$brokers" ] || { echo "tail-charges.sh: set ALMANAC_BROKERS or run almanac dev (no $state/dev.brokers)" >&2; exit 2; }
prefix=${ALMANAC_TOPIC_PREFIX:-$(jq -r '.topicPrefix // "almanac."' "$state/dev.json" 2>/dev/null || echo almanac.)}
end=""
[ "${1:-}" = "-e" ] && end="-e"
kcat -C -b "$brokers" -t "${prefix}charges" -o beginning -u $end -q -f '%s\n' |
  jq -r --unbuffered 'select(.type == "almanac.credits.charged")
    | "\(.time)  \(.data.account)  \(.data.app)/\(.data.job)  \(.data.total / 1000) credits  \(.data.chargeId)"'
