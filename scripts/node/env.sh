# shellcheck shell=bash
# Names and cache locations shared by the node-tier scripts (sourced after scripts/cluster/env.sh, not run).
VSERVER_IMAGES=${VSERVER_IMAGES:-$VSERVER_CACHE/images}
# The lab's registry (apps/lab/site.ts): the images are imported into each node's containerd under these names.
LAB_REGISTRY=master.test:5000/myrepo
# The sandbox image kubelet and containerd use; built locally from the Kubernetes source's pause.c.
PAUSE_IMAGE=localhost/vserver/pause:$K8S_GIT_VERSION
export VSERVER_IMAGES LAB_REGISTRY PAUSE_IMAGE
# The lab's VIPs (dist/lab's keepalived ConfigMap; the node tier's test checks the two agree), held by node0.
VSERVER_SITE_VIPS="192.168.1.31 192.168.1.33"
export VSERVER_SITE_VIPS
