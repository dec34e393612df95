import { AppChecks, k8s } from '@cdk8s-vserver/core';
import { AccessMode, IDocroot, NfsDocroot, NfsFolder, NfsFolderProps, ReclaimPolicy } from '@cdk8s-vserver/storage';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-22';
import { find, synth } from '../../support';

const NFS = { host: 'nas.test', path: '/export/web' };

function docroot(props: Partial<NfsFolderProps> = {}, chart: Chart = Testing.chart()) {
  const construct = new NfsFolder(chart, 'Docroot', { ...NFS, ...props });
  return { chart, construct };
}

describe('defaults', () => {
  const { chart } = docroot();
  const manifests = synth(chart);
  const pv = find(manifests, 'PersistentVolume', 'docroot-pv');
  const pvc = find(manifests, 'PersistentVolumeClaim', 'docroot');

  test('emits exactly a PersistentVolume and a PersistentVolumeClaim', () => {
    expect(manifests.map((m) => m.kind)).toEqual(['PersistentVolume', 'PersistentVolumeClaim']);
  });

  test('the PV is an NFS volume of the given server and path', () => {
    expect(pv.spec.nfs).toEqual({ server: 'nas.test', path: '/export/web' });
  });

  test('shares the docroot read-write across nodes and keeps content when the claim goes', () => {
    expect(pv.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.capacity).toEqual({ storage: '10Gi' });
  });

  test('the PVC binds to exactly this PV: volumeName, empty storage class, same access modes and size', () => {
    expect(pvc.spec.volumeName).toBe(pv.metadata.name);
    expect(pvc.spec.storageClassName).toBe('');
    expect(pv.spec.storageClassName).toBe('');
    expect(pvc.spec.accessModes).toEqual(pv.spec.accessModes);
    expect(pvc.spec.resources.requests.storage).toBe(pv.spec.capacity.storage);
  });

  test('the PV is reserved for the claim by claimRef', () => {
    expect(pv.spec.claimRef).toEqual({ name: 'docroot', namespace: 'default' });
  });

  test('mount options are left to the NFS client', () => {
    expect(pv.spec.mountOptions).toBeUndefined();
  });
});

describe('props', () => {
  test('names, capacity, access mode, reclaim policy, mount options and read-only', () => {
    const { chart } = docroot({
      volumeName: 'vol1',
      claimName: 'docroot',
      capacity: Size.mebibytes(512),
      accessMode: kplus.PersistentVolumeAccessMode.READ_ONLY_MANY,
      reclaimPolicy: kplus.PersistentVolumeReclaimPolicy.DELETE,
      mountOptions: ['nfsvers=4.1', 'hard'],
      readOnly: true,
      host: '192.168.1.10',
    });
    const manifests = synth(chart);
    const pv = find(manifests, 'PersistentVolume', 'vol1');
    const pvc = find(manifests, 'PersistentVolumeClaim', 'docroot');
    expect(pv.spec).toMatchObject({
      capacity: { storage: '512Mi' },
      accessModes: ['ReadOnlyMany'],
      persistentVolumeReclaimPolicy: 'Delete',
      mountOptions: ['nfsvers=4.1', 'hard'],
      nfs: { server: '192.168.1.10', path: '/export/web', readOnly: true },
    });
    expect(pvc.spec).toMatchObject({ volumeName: 'vol1', accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '512Mi' } } });
  });

  test('in a namespaced chart, the PVC and claimRef take the namespace and the cluster-scoped PV has none', () => {
    const app = Testing.app();
    AppChecks.of(app).allowExternalNamespace('sites');
    const chart = new Chart(app, 'web', { namespace: 'sites' });
    docroot({}, chart);
    const manifests = synth(chart);
    const pv = find(manifests, 'PersistentVolume', 'docroot-pv');
    expect(pv.metadata.namespace).toBeUndefined();
    expect(pv.spec.claimRef.namespace).toBe('sites');
    expect(find(manifests, 'PersistentVolumeClaim', 'docroot').metadata.namespace).toBe('sites');
  });

  test('object names carry no hash, whatever the chart', () => {
    const chart = new Chart(Testing.app(), 'hashing');
    docroot({ claimName: 'docroot', volumeName: 'vol1' }, chart);
    expect(synth(chart).map((m) => m.metadata.name)).toEqual(['vol1', 'docroot']);
  });
});

describe('mountAt', () => {
  test('gives the pod volume "docroot" and a mount of it, which a pod spec takes as they are', () => {
    const { chart, construct } = docroot();
    new k8s.KubeDeployment(chart, 'Web', {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'httpd', image: 'httpd:2.4.62', volumeMounts: [construct.mountAt('/var/www/html', { readOnly: true })] }],
            volumes: [construct.podVolume],
          },
        },
      },
    });
    const spec = find(synth(chart), 'Deployment', 'web').spec.template.spec;
    expect(spec.volumes).toEqual([{ name: 'docroot', persistentVolumeClaim: { claimName: 'docroot', readOnly: false } }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ mountPath: '/var/www/html', name: 'docroot', readOnly: true }]);
  });

  test('a read-only docroot is mounted read-only unless a mount says otherwise', () => {
    const { construct } = docroot({ readOnly: true });
    expect(construct.mountAt('/srv').readOnly).toBe(true);
    expect(construct.podVolume.persistentVolumeClaim?.readOnly).toBe(true);
  });

  test('throws for a relative mount path', () => {
    const { construct } = docroot();
    expect(() => construct.mountAt('www')).toThrow(
      "[test/Docroot] 'mountAt path' must be an absolute path without white space, \".\" or \"..\" segments, such as \"/var/www/html\", got \"www\"");
  });
});

describe('bad input', () => {
  test.each([
    ['a relative path', { path: 'export/web' },
      "[test/Docroot] 'path' must be an absolute path without white space, \".\" or \"..\" segments, such as \"/export/web\", got \"export/web\""],
    ['an empty path', { path: '' }, /'path' must be an absolute path .*got ""$/],
    ['a path with ..', { path: '/export/../etc' }, /'path' must be an absolute path .*got "\/export\/..\/etc"$/],
    ['a host that is neither hostname nor IPv4', { host: 'nas_1!' }, "[test/Docroot] 'host' must be a hostname (such as \"nas.test\") or an IPv4 address (such as \"192.168.1.10\"), got \"nas_1!\""],
    ['an IPv4-like host out of range', { host: '192.168.1.300' }, /'host' must be a hostname .* got "192.168.1.300"$/],
    ['a zero capacity', { capacity: Size.gibibytes(0) }, "[test/Docroot] 'capacity' must be a cdk8s Size greater than zero, in whole KiB (such as Size.gibibytes(10)), got \"0 KiB\""],
    ['a capacity of a fraction of a KiB', { capacity: Size.kibibytes(1.5) }, /'capacity' must be a cdk8s Size greater than zero, in whole KiB.*got "1.5 KiB"$/],
    ['an uppercase claim name', { claimName: 'Docroot' }, /^\[test\/Docroot\] 'claimName' must be a DNS-1123 label.*got "Docroot"$/],
    ['an empty volume name', { volumeName: '' }, /'volumeName' must be a DNS-1123 label.*got ""$/],
    ['a too long volume name', { volumeName: 'v'.repeat(64) }, /'volumeName' must be a DNS-1123 label.*\(it has 64 characters\)/],
    ['an unknown access mode', { accessMode: 'ReadWriteAll' as AccessMode },
      "[test/Docroot] 'accessMode' must be one of PersistentVolumeAccessMode.READ_WRITE_MANY (\"ReadWriteMany\"), "
      + 'PersistentVolumeAccessMode.READ_ONLY_MANY ("ReadOnlyMany"), PersistentVolumeAccessMode.READ_WRITE_ONCE ("ReadWriteOnce"), got "ReadWriteAll"'],
    ['an unknown reclaim policy', { reclaimPolicy: 'Recycle' as ReclaimPolicy },
      /'reclaimPolicy' must be one of PersistentVolumeReclaimPolicy.RETAIN \("Retain"\), PersistentVolumeReclaimPolicy.DELETE \("Delete"\), got "Recycle"$/],
    ['a mount option with a comma', { mountOptions: ['nfsvers=4.1,hard'] }, /'mountOptions' must be NFS mount options .* got "nfsvers=4.1,hard"$/],
  ])('throws for %s', (_what, props, message) => {
    expect(() => docroot(props as Partial<NfsFolderProps>)).toThrow(message);
  });

  test('a negative capacity cannot even be expressed (cdk8s Size rejects it)', () => {
    expect(() => Size.gibibytes(-1)).toThrow(/cannot be negative/);
  });
});

describe('0.9.0 names', () => {
  test('NfsDocroot and its types are NfsFolder\'s, deprecated: an app of 0.9.0 builds the same objects once its NAS is `host`', () => {
    const chart = Testing.chart();
    const old: NfsDocroot = new NfsDocroot(chart, 'Old', { host: 'nas.test', path: '/export/web/old' });
    const folder: IDocroot = old;
    expect(old).toBeInstanceOf(NfsFolder);
    expect(folder.podVolume.persistentVolumeClaim?.claimName).toBe(old.claimName);
  });
});
