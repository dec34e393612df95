import { NfsDocroot } from '@cdk8s-vserver/storage';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LAB, LAB_LABELS } from '../site';

/** The web content of `myweb` on the NAS: PV `vol1` and PVC `docroot`. */
export class DocrootChart extends Chart {
  public readonly docroot: NfsDocroot;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: LAB.namespace, disableResourceNameHashes: true, labels: LAB_LABELS });
    this.docroot = new NfsDocroot(this, 'Docroot', {
      server: LAB.nas.server,
      path: LAB.nas.exportPath,
      capacity: LAB.nas.capacity,
      mountOptions: ['nfsvers=4.1', 'hard'],
      volumeName: 'vol1',
      claimName: 'docroot',
    });
  }
}
