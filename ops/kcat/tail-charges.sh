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
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/ops/kcat/lib.sh"
end=""
[ "${1:-}" = "-e" ] && end="-e"
kcat -C -b "$brokers" -t "${prefix}charges" -o beginning -u $end -q -f '%s\n' |
  jq -r --unbuffered 'select(.type == "almanac.credits.charged")
    | "\(.time)  \(.data.account)  \(.data.app)/\(.data.job)  \(.data.total / 1000) credits  \(.data.chargeId)"'
