import * as fs from 'fs';
import * as path from 'path';
import { AppChecks, ImageReference, k8s, OperatorContract } from '@cdk8s-vserver/core';
import {
  DatabaseVolume, MARIADB_OPERATOR_DEFAULT_IMAGE, MARIADB_SITE_SETTINGS, MariaDbOperatorDatabase, MariaDbOperatorDatabaseProps, SiteDatabase,
} from '@cdk8s-vserver/storage';
import { Chart, Size, Testing } from 'cdk8s';
import { find, synth } from '../../support';

const CLAIM = DatabaseVolume.claim({ storageClassName: 'longhorn', size: Size.gibibytes(20) });

function database(props: Partial<MariaDbOperatorDatabaseProps> = {}) {
  const app = Testing.app();
  AppChecks.of(app).allowExternalNamespace('site-database');
  const chart = new Chart(app, 'database', { namespace: 'site-database', disableResourceNameHashes: true });
  const db = new MariaDbOperatorDatabase(chart, 'Mariadb', { volume: CLAIM, ...props });
  return { app, chart, db };
}

describe('MariaDbOperatorDatabase: the site\'s MariaDB, run by mariadb-operator', () => {
  const { chart, db } = database();
  const binding = db.addCustomer(chart, 'database', { name: 'bakery_wp', namespace: 'bakery' });
  const manifests = synth(chart);
  const mariaDb = find(manifests, 'MariaDB', 'mariadb');

  test('one replica of upstream\'s MariaDB 11.8 on a claim of the class, its root password from a Secret the operator makes', () => {
    expect(mariaDb.apiVersion).toBe('k8s.mariadb.com/v1alpha1');
    expect(mariaDb.spec).toMatchObject({
      image: MARIADB_OPERATOR_DEFAULT_IMAGE,
      replicas: 1,
      port: 3306,
      storage: { size: '20480Mi', storageClassName: 'longhorn' },
      rootPasswordSecretKeyRef: { name: 'mariadb-root', key: 'password', generate: false },
      service: { type: 'ClusterIP' },
      nodeSelector: { role: 'worker' },
    });
  });

  test('non-root as mysql (999), no capability, the runtime\'s seccomp profile: what Pod Security "restricted" asks of the pod it makes', () => {
    expect(mariaDb.spec.podSecurityContext).toEqual({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(mariaDb.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test("the server settings are the ones this package's own image has (its site.cnf holds every line)", () => {
    expect(mariaDb.spec.myCnf).toBe(`[mariadb]\n${MARIADB_SITE_SETTINGS.join('\n')}\n`);
    const siteCnf = fs.readFileSync(path.join(__dirname, '../../../packages/storage/images/mariadb/site.cnf'), 'utf-8').split('\n').map((l) => l.trim());
    expect(MARIADB_SITE_SETTINGS.filter((line) => !siteCnf.includes(line))).toEqual([]);
  });

  test('a customer: a Database, a User and a Grant of every privilege on that database alone, in the database\'s namespace', () => {
    const ref = { name: 'mariadb', namespace: 'site-database' };
    expect(find(manifests, 'Database', 'bakery-wp')).toMatchObject({
      metadata: { namespace: 'site-database' },
      // an uninstall, or the customer's removal, never drops their data
      spec: { mariaDbRef: ref, name: 'bakery_wp', characterSet: 'utf8mb4', collate: 'utf8mb4_unicode_ci', cleanupPolicy: 'Skip' },
    });
    expect(find(manifests, 'User', 'bakery-wp').spec).toEqual({
      mariaDbRef: ref, name: 'bakery_wp', host: '%', passwordSecretKeyRef: { name: 'bakery-wp-database', key: 'password' }, maxUserConnections: 0, cleanupPolicy: 'Delete',
    });
    expect(find(manifests, 'Grant', 'bakery-wp').spec).toEqual({
      mariaDbRef: ref, privileges: ['ALL PRIVILEGES'], database: 'bakery_wp', table: '*', username: 'bakery_wp', host: '%', grantOption: false, cleanupPolicy: 'Delete',
    });
    expect(manifests.filter((m) => m.kind === 'Job')).toEqual([]);
  });

  test('the binding a server takes: the Service mariadb-operator makes, by name', () => {
    expect(binding).toMatchObject({ host: 'mariadb.site-database.svc', hostIsDnsName: true, port: 3306, database: 'bakery_wp', user: 'bakery_wp', secret: 'bakery-wp-database' });
    expect(binding.peer).toEqual({ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'mariadb' } } });
  });

  test("3306 from the customers' pods and mariadb-operator's (it connects to make them), nothing else; nothing out", () => {
    const policy = find(manifests, 'NetworkPolicy', 'mariadb');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'mariadb' } });
    expect(policy.spec.ingress).toEqual([{
      from: [
        { namespaceSelector: {}, podSelector: { matchLabels: { 'cdk8s-vserver.io/database-client': 'mariadb' } } },
        { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mariadb-operator' } } },
      ],
      ports: [{ protocol: 'TCP', port: 3306 }],
    }]);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress).toBeUndefined();
  });

  test('the operator is told of the root\'s Secret, the customer\'s and its copy, of the image, and how to install mariadb-operator', () => {
    const contract = OperatorContract.of(chart).render([], undefined);
    expect(contract.secrets.map((s) => `${s.namespace}/${s.name}`)).toEqual(['bakery/bakery-wp-database', 'site-database/bakery-wp-database', 'site-database/mariadb-root']);
    expect(contract.images).toEqual([{ image: MARIADB_OPERATOR_DEFAULT_IMAGE, method: 'pull', from: MARIADB_OPERATOR_DEFAULT_IMAGE }]);
    expect(contract.installs).toEqual([expect.objectContaining({ apiGroup: 'k8s.mariadb.com', install: expect.stringContaining('--version 26.6.0') })]);
  });

  test("a mirror in the site's registry is copied from upstream's", () => {
    const { chart: c } = database({ image: ImageReference.of('master.test:5000/myrepo/mariadb-upstream:11.8.8') });
    expect(OperatorContract.of(c).render([], undefined).images)
      .toEqual([{ image: 'master.test:5000/myrepo/mariadb-upstream:11.8.8', method: 'copy', from: MARIADB_OPERATOR_DEFAULT_IMAGE }]);
  });

  test('resources as given, in the operator\'s type', () => {
    const { chart: c } = database({ resources: { requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('256Mi') } } });
    expect(find(synth(c), 'MariaDB', 'mariadb').spec.resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' } });
  });
});

describe('the same customers as SiteDatabase (one base class)', () => {
  test('two customers with one database name are refused on either, naming the first', () => {
    for (const make of [() => database(), () => {
      const app = Testing.app();
      AppChecks.of(app).allowExternalNamespace('site-database');
      const chart = new Chart(app, 'database', { namespace: 'site-database' });
      return { chart, db: new SiteDatabase(chart, 'Mariadb', { image: ImageReference.of('r.test/mariadb:v1'), volume: CLAIM }) };
    }]) {
      const { chart, db } = make();
      db.addCustomer(chart, 'servers[0].database', { name: 'wp', namespace: 'bakery' });
      expect(() => db.addCustomer(chart, 'servers[2].database', { name: 'wp', namespace: 'shop' }))
        .toThrow("[database] 'servers[2].database.name' must differ from every other customer's: servers[0].database (database) has database \"wp\" on mariadb");
    }
  });
});

describe('refused at synth', () => {
  test.each<[string, () => unknown, string]>([
    ['a local volume: mariadb-operator makes its claim from a class', () => database({ volume: DatabaseVolume.local({ node: 'node1', path: '/srv/mariadb', size: Size.gibibytes(20) }) }),
      "[database/Mariadb] 'volume' must be DatabaseVolume.claim({ storageClassName, size }): mariadb-operator makes its volume from a storage class"],
    ['an NFS storage class', () => database({ volume: DatabaseVolume.claim({ storageClassName: 'nfs-client', size: Size.gibibytes(10) }) }),
      "[database/Mariadb] 'volume.storageClassName' must be a class of local or block storage, not NFS"],
    ['a volume under 1 GiB', () => database({ volume: DatabaseVolume.claim({ storageClassName: 'longhorn', size: Size.mebibytes(100) }) }),
      "[database/Mariadb] 'volume.size' must be a Size of at least 1 GiB"],
    ['an image that moves', () => database({ image: ImageReference.of('mariadb:latest') }), "[database/Mariadb] 'image' must"],
    ['a root Secret that is no name', () => database({ rootSecret: 'Root_Password' }), "[database/Mariadb] 'rootSecret' must"],
    ['a database name MariaDB would need quoted', () => database().db.addCustomer(Testing.chart(), 'database', { name: 'my-shop', namespace: 'shop' }),
      "'database.name' must be a database name of 1-64 lowercase letters, digits or '_'"],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(message);
  });
});
