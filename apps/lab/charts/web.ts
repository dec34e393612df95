import { IDocroot } from '@cdk8s-vserver/storage';
import { KeepalivedVip, ServiceVip } from '@cdk8s-vserver/vip';
import { WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LAB, LAB_LABELS, labImage } from '../site';

/** Props of {@link WebChart}. */
export interface WebChartProps {
  /** The docroot the server shares between its containers. */
  readonly docroot: IDocroot;
  /** The kube-keepalived-vip that publishes the server. */
  readonly vip: KeepalivedVip;
  /**
   * The version myweb runs.
   * @default - LAB.myweb.version
   */
  readonly version?: string;
}

/** The virtual server `myweb`: Deployment and Service, on its VIP. */
export class WebChart extends Chart {
  public readonly server: WebSshServer;

  constructor(scope: Construct, id: string, props: WebChartProps) {
    super(scope, id, { namespace: LAB.namespace, disableResourceNameHashes: true, labels: LAB_LABELS });
    this.server = new WebSshServer(this, 'MyWeb', {
      name: LAB.myweb.name,
      replicas: LAB.myweb.replicas,
      httpdImage: labImage('httpd', LAB.myweb.version),
      sshdImage: labImage('sshd', LAB.myweb.version),
      // One value: a rolling update to a new version changes only this.
      version: props.version ?? LAB.myweb.version,
      docroot: props.docroot,
    });
    // One value, both places: the ConfigMap entry and the Service's externalIPs.
    new ServiceVip(this, 'MyWebVip', { vip: props.vip, service: this.server.service, address: LAB.vips.myweb });
  }
}
