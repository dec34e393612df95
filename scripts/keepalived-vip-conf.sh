#!/usr/bin/env bash
# Prints keepalived.conf as kube-keepalived-vip 0.35 renders it for one router node (its rootfs/keepalived.tmpl, with
# the values of pkg/controller: priority 100 + the node's position among every node's address sorted as strings,
# every other node a unicast peer when useUnicast is set), without the IPVS virtual_server blocks, the iptables
# chain and the notify script, which do not change who holds a VIP. Debian's keepalived runs it as the controller's
# keepalived would: the node tier's two routers and `npx projen bench:vip-failover` both take it from here.
#   keepalived-vip-conf.sh ROUTER_ID INTERFACE VRID MY_IP "NODE_IPS..." "VIPS..." [multicast|unicast]
set -euo pipefail
[ $# -ge 6 ] || { echo "usage: keepalived-vip-conf.sh ROUTER_ID INTERFACE VRID MY_IP \"NODE_IPS...\" \"VIPS...\" [multicast|unicast]" >&2; exit 2; }
router_id=$1 iface=$2 vrid=$3 my_ip=$4 nodes=$5 vips=$6 mode=${7:-multicast}
# shellcheck disable=SC2086 # the addresses are a list, split on purpose
mapfile -t sorted < <(printf '%s\n' $nodes | LC_ALL=C sort)
priority=99
for i in "${!sorted[@]}"; do [ "${sorted[$i]}" = "$my_ip" ] && priority=$((100 + i)); done
cat <<CONF
global_defs {
  vrrp_version 3
  router_id $router_id
}
vrrp_instance vips {
  state BACKUP
  interface $iface
  virtual_router_id $vrid
  priority $priority
  nopreempt
  advert_int 1
  track_interface {
    $iface
  }
CONF
if [ "$mode" = unicast ]; then
  printf '  unicast_src_ip %s\n  unicast_peer {\n' "$my_ip"
  for n in "${sorted[@]}"; do [ "$n" = "$my_ip" ] || printf '    %s\n' "$n"; done
  printf '  }\n'
fi
printf '  virtual_ipaddress {\n'
for v in $vips; do printf '    %s\n' "$v"; done
printf '  }\n}\n'
