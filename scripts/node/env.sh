# shellcheck shell=bash
# Names and cache locations shared by the node-tier scripts (sourced after scripts/cluster/env.sh, not run).
VSERVER_IMAGES=${VSERVER_IMAGES:-$VSERVER_CACHE/images}
# The sandbox image kubelet and containerd use; built locally from the Kubernetes source's pause.c.
PAUSE_IMAGE=localhost/vserver/pause:$K8S_GIT_VERSION
# What the tier takes from the lab's declaration (apps/lab/site.ts, as `npx projen synth` compiled it), never a copy:
#   LAB_REGISTRY       the images are imported into each node's containerd under <registry>/<name>:<tag>;
# and the LAN the tier builds (192.168.1.0/24: the master .10, routers node0 .20 and node4 .24, workers .21-.23) must
# be the lab's.
lab_site="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/lib/lab/site.js"
[ -f "$lab_site" ] || { echo "the node tier reads the lab's declaration from $lab_site: run npx projen synth first" >&2; exit 1; }
# shellcheck disable=SC2016 # JavaScript, not shell: its ${...} are template literals
topology=$(node -e '
  const { LAB } = require(process.argv[1]);
  const f = LAB.facts;
  if (f.lanSubnet.text !== "192.168.1.0/24") {
    console.error(`the node tier builds the LAN 192.168.1.0/24 (master .10, routers .20 and .24, workers .21-.23); the lab declares ${f.lanSubnet.text}`);
    process.exit(1);
  }
  console.log(`LAB_REGISTRY=${f.registry}`);
' "$lab_site") || exit 1
eval "$topology"
unset lab_site topology
# A private registry in the LAN, on the master, with TLS and basic auth (started by the node tier's test of image
# pulls; the imported images above need none): its address, which every worker's containerd trusts with its CA.
LAN_REGISTRY_ADDRESS=192.168.1.10:5443
export VSERVER_IMAGES LAB_REGISTRY PAUSE_IMAGE LAN_REGISTRY_ADDRESS
