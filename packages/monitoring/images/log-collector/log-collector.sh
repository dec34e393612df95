#!/bin/sh
# The log collector's three processes (the LogCollector construct runs one per container):
#   rsyslog              rsyslogd in the foreground with /etc/log-collector/rsyslog.conf
#   mtail [mtail flags]  mtail with /etc/log-collector/vserver.mtail, reading rsyslog's pipe
#   keeper               every KEEPER_SECONDS (600): compresses this node's files of past days (NODE_NAME) and
#                        deletes those older than RETENTION_DAYS
set -eu
stream=/run/log-collector/stream
# The pipe from rsyslog (root) to mtail (nobody), in the pod's own emptyDir: whichever container starts first makes
# it, writable and readable by both. rsyslog's queue holds the lines while mtail is not reading.
pipe() { mkfifo -m 0666 "$stream" 2>/dev/null || [ -p "$stream" ] || { echo "log-collector: $stream is not a pipe" >&2; exit 1; }; }
case "${1:-}" in
  rsyslog)
    shift
    pipe
    exec rsyslogd -n -f /etc/log-collector/rsyslog.conf -i /run/log-collector/rsyslogd.pid "$@" ;;
  mtail)
    shift
    pipe
    exec mtail --progs /etc/log-collector --logs "$stream" --logtostderr "$@" ;;
  keeper)
    : "${NODE_NAME:?keeper needs NODE_NAME (the node this collector runs on)}" "${RETENTION_DAYS:?keeper needs RETENTION_DAYS}"
    case "$RETENTION_DAYS" in *[!0-9]* | '') echo "log-collector: RETENTION_DAYS must be a number of days, got '$RETENTION_DAYS'" >&2; exit 1 ;; esac
    # as the container's first process, the shell must say itself what SIGTERM does
    trap 'exit 0' TERM INT
    while :; do
      today=$(date -u +%Y%m%d)
      # <logs>/<server>/<kind>-<day>.<node>.log: this node's files only (one writer per file)
      for f in /logs/*/*-????-??-??."$NODE_NAME".log; do
        [ -f "$f" ] || continue
        # the file's day as a number (20261202), compared with today's
        day=$(echo "$f" | sed -n 's/.*-\([0-9]\{4\}\)-\([0-9][0-9]\)-\([0-9][0-9]\)\.[^/]*\.log$/\1\2\3/p')
        if [ -n "$day" ] && [ "$day" -lt "$today" ]; then
          gzip -f "$f" && echo "log-collector: compressed $f" >&2
        fi
      done
      find /logs -mindepth 2 -maxdepth 2 -name "*.$NODE_NAME.log.gz" -mtime +"$RETENTION_DAYS" -print -delete | sed 's/^/log-collector: deleted /' >&2
      sleep "${KEEPER_SECONDS:-600}" &
      wait $! || true
    done ;;
  *) echo "usage: log-collector rsyslog|mtail|keeper" >&2; exit 2 ;;
esac
