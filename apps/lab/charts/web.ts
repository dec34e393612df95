import { IDocroot } from '@cdk8s-vserver/storage';
import { WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LAB, labImage } from '../site';

/** Props of {@link WebChart}. */
export interface WebChartProps {
  /** The docroot the server shares between its containers. */
  readonly docroot: IDocroot;
  /**
   * The version myweb runs.
   * @default - LAB.myweb.version
   */
  readonly version?: string;
}

/** The virtual server `myweb`: Deployment and Service. */
export class WebChart extends Chart {
  public readonly server: WebSshServer;

  constructor(scope: Construct, id: string, props: WebChartProps) {
    super(scope, id, { namespace: LAB.namespace, disableResourceNameHashes: true });
    this.server = new WebSshServer(this, 'MyWeb', {
      name: LAB.myweb.name,
      replicas: LAB.myweb.replicas,
      httpdImage: labImage('httpd', LAB.myweb.version),
      sshdImage: labImage('sshd', LAB.myweb.version),
      // One value: a rolling update to a new version changes only this.
      version: props.version ?? LAB.myweb.version,
      docroot: props.docroot,
    });
  }
}
