#!/usr/bin/env bash
# Measures how long a VIP is unreachable when the router that holds it fails, with two routers running keepalived
# (Debian's) configured as kube-keepalived-vip 0.35 renders it for every router node (scripts/keepalived-vip-conf.sh:
# vrrp_version 3, state BACKUP, priority 100 + the node's place in the sorted addresses, nopreempt, advert_int 1;
# unicast_peer with useUnicast). MetalLB and kube-vip cannot run here (their images come from quay.io and ghcr.io); their figures
# in the README come from their documentation.
#
# The LAN is made of network namespaces of its own, with no route out: a bridge (vf-lan), two routers (vf-r1,
# vf-r2), each serving HTTP on port 80 with its own name, and a client (vf-client) that sends a GET to the VIP every
# 50 ms, each on a new connection with a 0.2 s timeout. Router 1 holds the VIP; then its link is cut (the node
# is gone, as a power loss looks to the LAN) and the client records when router 2 answers.
#
#   bash scripts/bench-vip-failover.sh            # multicast and unicast VRRP, RUNS=3 each
# Needs root, iproute2, keepalived, curl and python3 (keepalived and curl come from Debian when missing).
set -euo pipefail
RUNS=${RUNS:-3}
VIP=10.99.0.50
work=$(mktemp -d)
log() { printf '[vip-failover] %s\n' "$*" >&2; }

need=()
command -v keepalived >/dev/null || [ -x /usr/sbin/keepalived ] || need+=(keepalived)
command -v curl >/dev/null || need+=(curl)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
KEEPALIVED=$(command -v keepalived || echo /usr/sbin/keepalived)

cleanup() {
  stop_routers
  for ns in vf-r1 vf-r2 vf-client vf-lan; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

lan() {
  cleanup_ns() { for ns in vf-r1 vf-r2 vf-client vf-lan; do ip netns del "$ns" 2>/dev/null || true; done; }
  cleanup_ns
  ip netns add vf-lan
  ip -n vf-lan link add br0 type bridge
  ip -n vf-lan link set br0 up
  local i=0
  for host in vf-r1:10.99.0.11 vf-r2:10.99.0.12 vf-client:10.99.0.100; do
    local ns=${host%%:*} addr=${host#*:}
    i=$((i + 1))
    ip netns add "$ns"
    ip link add "vf$i" netns vf-lan type veth peer name eth0 netns "$ns"
    ip -n vf-lan link set "vf$i" master br0 up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
}

# keepalived.conf as kube-keepalived-vip 0.35 renders it for each router (scripts/keepalived-vip-conf.sh).
config() { # ns my_ip peer_ip mode
  bash "$(dirname "$0")/keepalived-vip-conf.sh" "$1" eth0 50 "$2" "$2 $3" "$VIP" "$4"
}

start_router() { # ns my_ip peer_ip mode
  config "$@" > "$work/$1.conf"
  # --namespace: keepalived enters the router's namespace itself and keeps its pid files per namespace
  "$KEEPALIVED" --vrrp --dont-fork --log-console --namespace="$1" -f "$work/$1.conf" > "$work/$1.log" 2>&1 &
  echo $! > "$work/$1.pid"
  mkdir -p "$work/$1.www" && echo "$1" > "$work/$1.www/index.html"
  ip netns exec "$1" python3 -m http.server 80 --bind 0.0.0.0 --directory "$work/$1.www" > /dev/null 2>&1 &
  echo $! > "$work/$1.http.pid"
}

holder() { for ns in vf-r1 vf-r2; do ip -n "$ns" -4 addr show dev eth0 | grep -q " $VIP/" && echo "$ns"; done; }

measure() { # mode
  lan
  start_router vf-r1 10.99.0.11 10.99.0.12 "$1"
  sleep 0.3   # r1 becomes master first: both start as BACKUP with nopreempt, and its wait for a master ends first
  start_router vf-r2 10.99.0.12 10.99.0.11 "$1"
  local t0=$SECONDS
  until [ "$(holder)" = vf-r1 ] && ip netns exec vf-client curl -s -m 0.5 "http://$VIP/" | grep -q vf-r1; do
    [ $((SECONDS - t0)) -lt 20 ] || { log "router 1 never held the VIP"; cat "$work"/vf-r*.log >&2; exit 1; }
    sleep 0.2
  done
  sleep 2
  # the client: one GET every 50 ms, each a new connection; "<ms since start> <answer or FAIL>"
  ip netns exec vf-client bash -c "start=\$(date +%s%N); echo \"start \$start\"; while :; do
      t=\$(( (\$(date +%s%N) - start) / 1000000 )); a=\$(curl -s -m 0.2 http://$VIP/ || echo FAIL); echo \"\$t \$a\"; sleep 0.05; done" \
    > "$work/client.log" 2>/dev/null &
  local client=$!
  sleep 2
  local cut_ns cut_ms
  cut_ns=$(date +%s%N)
  ip -n vf-r1 link set eth0 down   # router 1 is gone from the LAN
  local t1=$SECONDS
  until grep -q ' vf-r2$' "$work/client.log"; do
    [ $((SECONDS - t1)) -lt 30 ] || { log "router 2 never answered"; exit 1; }
    sleep 0.1
  done
  sleep 1
  kill "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  # client times are ms since its start (its first line): the cut on the same clock
  cut_ms=$(( (cut_ns - $(awk '$1 == "start" { print $2; exit }' "$work/client.log")) / 1000000 ))
  awk -v cut="$cut_ms" '
    $2 == "vf-r1" { last_r1 = $1 }
    $2 == "FAIL" && $1 >= cut - 100 { failed++ }
    $2 == "vf-r2" && first_r2 == "" { first_r2 = $1 }
    END { printf "%.1f %d %s\n", (first_r2 - last_r1) / 1000, failed, (first_r2 - cut) / 1000 }' "$work/client.log"
  stop_routers
}

# Stops both routers' keepalived and HTTP servers, and waits until they are gone (keepalived keeps a pid file per
# namespace name, and the next run reuses the names).
stop_routers() {
  local pids=()
  for ns in vf-r1 vf-r2; do
    for f in "$work/$ns.pid" "$work/$ns.http.pid"; do [ -f "$f" ] && pids+=("$(cat "$f")") && rm -f "$f"; done
  done
  kill "${pids[@]}" 2>/dev/null || true
  for pid in "${pids[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done
}

log "keepalived: $("$KEEPALIVED" --version 2>&1 | head -1)"
printf '| VRRP | run | longest without an answer (s) | failed GETs | router 2 answers after the cut (s) |\n| --- | ---: | ---: | ---: | ---: |\n'
for mode in multicast unicast; do
  for run in $(seq 1 "$RUNS"); do
    measure "$mode" > "$work/result"   # not in a subshell: its cleanup must finish before the next run
    read -r gap failed after < "$work/result"
    printf '| %s | %d | %s | %s | %s |\n' "$mode" "$run" "$gap" "$failed" "$after"
  done
done
