import { ImageReference } from '@cdk8s-vserver/core';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LAB, LAB_LABELS } from '../site';

/** kube-keepalived-vip on the router node: RBAC, the VIP ConfigMap and the DaemonSet. */
export class KeepalivedChart extends Chart {
  public readonly vip: KeepalivedVip;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'kube-system', disableResourceNameHashes: true, labels: LAB_LABELS });
    this.vip = new KeepalivedVip(this, 'KeepalivedVip', {
      lanSubnet: LAB.lanSubnet,
      configMapName: 'vip-configmap',
      // upstream's last image (aledbf/kube-keepalived-vip:0.35), mirrored into the site's registry
      image: ImageReference.of(`${LAB.registry}/kube-keepalived-vip:0.35`),
    });
  }
}
