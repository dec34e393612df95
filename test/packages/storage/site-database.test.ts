import { AppChecks, ImageReference, Ipv4Address, OperatorContract, restrictedViolations } from '@cdk8s-vserver/core';
import { DatabaseVolume, SiteDatabase, SiteDatabaseProps } from '@cdk8s-vserver/storage';
import { Chart, Size, Testing } from 'cdk8s';
import { find, ofKind, synth } from '../../support';

const IMAGE = ImageReference.of('master.test:5000/myrepo/mariadb:v1');
const LOCAL = DatabaseVolume.local({ node: 'node1', path: '/srv/mariadb', size: Size.gibibytes(20) });

function database(props: Partial<SiteDatabaseProps> = {}) {
  const app = Testing.app();
  AppChecks.of(app).allowExternalNamespace('site-database');
  const chart = new Chart(app, 'database', { namespace: 'site-database', disableResourceNameHashes: true });
  const db = new SiteDatabase(chart, 'Mariadb', { image: IMAGE, volume: LOCAL, ...props });
  return { app, chart, db };
}

describe('SiteDatabase: one MariaDB for the site', () => {
  const { chart, db } = database();
  const binding = db.addCustomer(chart, 'database', { name: 'bakery', namespace: 'bakery' });
  const manifests = synth(chart);
  const sts = find(manifests, 'StatefulSet', 'mariadb');
  const pod = sts.spec.template.spec;

  test('one pod of the pinned image as mysql (999), restricted, its data on the declared volume', () => {
    expect(sts.spec).toMatchObject({ replicas: 1, serviceName: 'mariadb', podManagementPolicy: 'OrderedReady' });
    expect(pod.containers[0]).toMatchObject({ image: IMAGE.reference, ports: [{ containerPort: 3306, name: 'mysql' }], securityContext: { runAsUser: 999 } });
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'mariadb-data' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/mysql' });
    expect(pod.volumes).toContainEqual({ name: 'admin', secret: { secretName: 'mariadb-admin', defaultMode: 0o440 } });
  });

  test("a local volume is a PersistentVolume on that node's disk, bound to the claim; the pod goes where the data is", () => {
    const pv = find(manifests, 'PersistentVolume', 'site-database-mariadb-data');
    expect(pv.spec).toMatchObject({
      local: { path: '/srv/mariadb' },
      capacity: { storage: '20480Mi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { name: 'mariadb-data', namespace: 'site-database' },
      storageClassName: '',
    });
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node1'] }]);
    expect(find(manifests, 'PersistentVolumeClaim', 'mariadb-data').spec).toMatchObject({ volumeName: pv.metadata.name, storageClassName: '' });
  });

  test('a block-storage claim instead: no PersistentVolume, the class named', () => {
    const { chart: c } = database({ volume: DatabaseVolume.claim({ storageClassName: 'longhorn', size: Size.gibibytes(10) }) });
    const m = synth(c);
    expect(ofKind(m, 'PersistentVolume')).toEqual([]);
    expect(find(m, 'PersistentVolumeClaim', 'mariadb-data').spec).toMatchObject({ storageClassName: 'longhorn', resources: { requests: { storage: '10240Mi' } } });
  });

  test('only pods with its client label reach port 3306 (its customers\' servers and its Jobs), from any namespace', () => {
    const policy = find(manifests, 'NetworkPolicy', 'mariadb');
    expect(policy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'cdk8s-vserver.io/database-client': 'mariadb' } } }],
      ports: [{ protocol: 'TCP', port: 3306 }],
    }]);
    expect(policy.spec.egress).toBeUndefined();
    expect(binding.clientLabels).toEqual({ 'cdk8s-vserver.io/database-client': 'mariadb' });
  });

  test("a customer: an idempotent Job in the database's namespace makes their database and user, from two Secrets, no password in the manifests", () => {
    const job = find(manifests, 'Job', 'mariadb-customer-bakery');
    const spec = job.spec.template.spec;
    expect(spec.containers[0].args).toEqual(['customer', 'mariadb.site-database.svc', 'bakery', 'bakery']);
    expect(spec.volumes).toEqual([
      { name: 'admin', secret: { secretName: 'mariadb-admin', defaultMode: 0o440 } },
      { name: 'customer', secret: { secretName: 'bakery-database', defaultMode: 0o440 } },
    ]);
    expect(job.spec.template.metadata.labels['cdk8s-vserver.io/database-client']).toBe('mariadb');
    expect(restrictedViolations(spec)).toEqual([]);
    expect(JSON.stringify(manifests)).not.toMatch(/password"?:\s*"[^"]/i);
  });

  test('the binding: host, port, database and user, and the Secret in the customer\'s namespace', () => {
    expect(binding).toMatchObject({ host: 'mariadb.site-database.svc', hostIsDnsName: true, port: 3306, database: 'bakery', user: 'bakery', secret: 'bakery-database' });
  });

  test('the operator is told of the admin\'s Secret, the customer\'s and its copy, each with a command; and of the image', () => {
    const contract = OperatorContract.of(chart).render([], undefined);
    expect(contract.secrets.map((s) => `${s.namespace}/${s.name}`)).toEqual(['bakery/bakery-database', 'site-database/bakery-database', 'site-database/mariadb-admin']);
    const copy = contract.secrets.find((s) => s.namespace === 'site-database' && s.name === 'bakery-database')!;
    // whichever runs first makes the customer's password once, and the copy takes it
    expect(copy.command).toContain('kubectl get secret bakery-database -n bakery >/dev/null 2>&1 || kubectl create secret generic bakery-database -n bakery');
    expect(copy.command).toContain("kubectl create secret generic bakery-database -n site-database --from-literal=password=\"$(kubectl get secret bakery-database -n bakery -o jsonpath='{.data.password}' | base64 -d)\"");
    expect(contract.images).toContainEqual({ image: IMAGE.reference, method: 'build', from: 'packages/storage/images/mariadb' });
  });

  test("the Jobs' policy: out to the database's pods (and DNS for its name), nothing in", () => {
    const policy = find(manifests, 'NetworkPolicy', 'mariadb-customers');
    expect(policy.spec.egress.map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[53, 53], [3306]]);
    expect(policy.spec.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    expect(policy.spec.ingress).toBeUndefined();
  });

  test('a fixed cluster IP: the customers connect to it, and need no DNS', () => {
    const { chart: c, db: fixed } = database({ clusterIp: Ipv4Address.of('10.96.0.53') });
    const b = fixed.addCustomer(c, 'database', { name: 'shop', namespace: 'site-database' });
    expect(b).toMatchObject({ host: '10.96.0.53', hostIsDnsName: false });
    const m = synth(c);
    expect(find(m, 'Service', 'mariadb').spec.clusterIP).toBe('10.96.0.53');
    expect(find(m, 'NetworkPolicy', 'mariadb-customers').spec.egress.map((e: any) => e.ports[0].port)).toEqual([3306]);
  });
});

describe('refused at synth', () => {
  test('two customers with one database name: the second would read and change the first one\'s data', () => {
    const { chart, db } = database();
    db.addCustomer(chart, 'servers[0].database', { name: 'wp', namespace: 'bakery' });
    expect(() => db.addCustomer(chart, 'servers[2].database', { name: 'wp', namespace: 'shop' }))
      .toThrow("[database] 'servers[2].database.name' must differ from every other customer's: servers[0].database (database) has database \"wp\" on mariadb");
  });

  test.each<[string, () => unknown, string]>([
    ['a database name MariaDB would need quoted', () => database().db.addCustomer(Testing.chart(), 'database', { name: 'my-shop', namespace: 'shop' }),
      "'database.name' must be a database name of 1-64 lowercase letters, digits or '_', such as \"bakery_wp\", got \"my-shop\""],
    ['a volume under 1 GiB', () => database({ volume: DatabaseVolume.local({ node: 'node1', path: '/srv/mariadb', size: Size.mebibytes(512) }) }),
      "[database/Mariadb] 'volume.size' must be a Size of at least 1 GiB, such as Size.gibibytes(20), got \"512 MiB\""],
    ['an NFS storage class', () => database({ volume: DatabaseVolume.claim({ storageClassName: 'nfs-client', size: Size.gibibytes(10) }) }),
      "[database/Mariadb] 'volume.storageClassName' must be a class of local or block storage, not NFS"],
    ['a relative path', () => database({ volume: DatabaseVolume.local({ node: 'node1', path: 'srv/mariadb', size: Size.gibibytes(10) }) }),
      "[database/Mariadb] 'volume.path' must be an absolute path"],
    ['no volume at all', () => database({ volume: undefined as any }), "[database/Mariadb] 'volume' must be a DatabaseVolume"],
    ['an image that moves', () => database({ image: ImageReference.of('master.test:5000/myrepo/mariadb:latest') }), "[database/Mariadb] 'image' must"],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(message);
  });
});
