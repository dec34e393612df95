import * as path from 'path';
import { quantityAmount } from '@cdk8s-vserver/core';
import { emittedCrdFiles, synthBackendSites, synthGatewaySite, synthMariaDbOperatorSite } from '../backend-sites';
import { DIST, distApps, Manifest, objectsIn, waitFor } from '../support';
import { applyableYaml, createNamespaces, installCustomResourceDefinitions } from './dist';
import { getJson, kubectl, KubectlResult, kubectlRaw, requireControlPlane } from './kubectl';
import { negativeControls } from '../negative/controls';

// The real cluster tier: every app in dist/ is applied to a real kube-apiserver with its controllers, first as
// a server-side dry run, then for real, and what the controllers make of it is checked.
requireControlPlane();

// dist/lab (kube-keepalived-vip), dist/agency (MetalLB), and the lab's servers on MetalLB and on kube-vip
const sites: Array<[string, string]> = [
  ...distApps().map((app): [string, string] => [`dist/${app}`, path.join(DIST, app)]),
  ...synthBackendSites().map(([backend, dir]): [string, string] => [`the lab on ${backend}`, dir]),
  ['the lab with a database mariadb-operator runs', synthMariaDbOperatorSite()[1]],
  ['the lab behind a Gateway', synthGatewaySite()],
];

// What MetalLB's, cert-manager's and mariadb-operator's installs bring first on a real cluster: their CRDs, so the server validates every
// custom resource.
beforeAll(() => installCustomResourceDefinitions(emittedCrdFiles()));

/**
 * How many objects each site's checks below must find, written out by hand: a loop that selects objects by a label or
 * a name checks nothing once they are renamed, so each loop counts what it checked and compares with this table.
 */
const CHECKED: Record<string, Record<'deployments' | 'claims' | 'keepalived' | 'kubeVip' | 'headlamp' | 'quotas' | 'services' | 'metallb' | 'mariadb' | 'gateway', number>> = {
  'dist/lab': { deployments: 3, claims: 4, keepalived: 1, kubeVip: 0, headlamp: 0, quotas: 0, services: 3, metallb: 0, mariadb: 0, gateway: 0 },
  'dist/agency': { deployments: 5, claims: 8, keepalived: 0, kubeVip: 0, headlamp: 1, quotas: 3, services: 6, metallb: 2, mariadb: 0, gateway: 0 },
  'the lab on metallb': { deployments: 1, claims: 2, keepalived: 0, kubeVip: 0, headlamp: 0, quotas: 0, services: 1, metallb: 2, mariadb: 0, gateway: 0 },
  'the lab on kube-vip': { deployments: 1, claims: 2, keepalived: 0, kubeVip: 1, headlamp: 0, quotas: 1, services: 1, metallb: 0, mariadb: 0, gateway: 0 },
  'the lab with a database mariadb-operator runs': { deployments: 1, claims: 2, keepalived: 0, kubeVip: 0, headlamp: 0, quotas: 0, services: 1, metallb: 2, mariadb: 4, gateway: 0 },
  'the lab behind a Gateway': { deployments: 3, claims: 7, keepalived: 0, kubeVip: 0, headlamp: 0, quotas: 0, services: 3, metallb: 3, mariadb: 0, gateway: 8 },
};

test('every site has its expected counts (negative control: a site the table does not know fails here)', () => {
  expect(sites.map(([name]) => name).sort()).toEqual(Object.keys(CHECKED).sort());
});

/** The amount of a quantity the server wrote back (core's reading of Kubernetes quantities: '300m' -> 0.3, '448Mi' -> bytes). */
function quantity(q: string | number): number {
  const amount = quantityAmount(String(q));
  if (amount === undefined) throw new Error(`not a quantity: ${q}`);
  return amount;
}

/** The server's own validation, not kubectl's (--validate=false), of an object as emitted or as broken: a dry run. */
function dryRunOnServer(o: Manifest): KubectlResult {
  return kubectlRaw(['apply', '--dry-run=server', '--validate=false', '-f', '-'], JSON.stringify(o));
}

function ref(o: Manifest): string[] {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  return [`${o.kind.toLowerCase()}${group}/${o.metadata.name}`, ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : [])];
}

describe.each(sites)('%s on a real kube-apiserver', (site, dir) => {
  const objects = objectsIn(dir);
  const expected = CHECKED[site] ?? {};
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);

  beforeAll(() => createNamespaces(objects));

  const { yaml, lowered } = applyableYaml(dir);

  test('only PodDisruptionBudgets and CronJobs need lowering for the 1.20 test server', () => {
    expect(lowered).toBe(objects.filter((o) => (o.kind === 'PodDisruptionBudget' && o.apiVersion === 'policy/v1')
      || (o.kind === 'CronJob' && o.apiVersion === 'batch/v1')).length);
  });

  test('the server accepts every object in a dry run', () => {
    const out = kubectl(['apply', '--dry-run=server', '-f', '-'], yaml);
    expect(out.trim().split('\n')).toHaveLength(objects.length);
  });

  test('kubectl apply of all of dist/<app> succeeds in one go', () => {
    const out = kubectl(['apply', '-f', '-'], yaml);
    expect(out.trim().split('\n')).toHaveLength(objects.length);
  });

  test('every object applied is readable back', () => {
    for (const o of objects) {
      const beta = lowered > 0 && ['PodDisruptionBudget', 'CronJob'].includes(o.kind);
      const live = getJson(ref(beta ? { ...o, apiVersion: o.apiVersion.replace(/\/v1$/, '/v1beta1') } : o));
      expect(`${live.kind}/${live.metadata.name}`).toBe(`${o.kind}/${o.metadata.name}`);
    }
  });

  test("mariadb-operator's objects are stored as given; the server refuses a Grant without privileges and a MariaDB whose replicas is no number (negative controls)", () => {
    const mariadb = objects.filter((o) => o.apiVersion === 'k8s.mariadb.com/v1alpha1');
    expect(mariadb).toHaveLength(expected.mariadb);
    for (const o of mariadb) expect(getJson(ref(o)).spec).toMatchObject(o.spec);
    for (const o of mariadb) expect(dryRunOnServer(o)).toMatchObject({ status: 0, stderr: '' });
    for (const o of mariadb.filter((x) => x.kind === 'Grant')) {
      const { privileges: _privileges, ...spec } = o.spec;
      expect(dryRunOnServer({ ...o, spec }).stderr).toMatch(/spec.privileges: Required value/);
    }
    for (const o of mariadb.filter((x) => x.kind === 'MariaDB')) {
      expect(dryRunOnServer({ ...o, spec: { ...o.spec, replicas: 'one' } }).stderr).toMatch(/spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer/);
    }
  });

  test("Gateway API's objects are stored as given; the server refuses a route of 17 hostnames and a listener whose port is no number (negative controls)", () => {
    const gateway = objects.filter((o) => o.apiVersion === 'gateway.networking.k8s.io/v1');
    expect(gateway).toHaveLength(expected.gateway);
    for (const o of gateway) expect(getJson(ref(o)).spec).toMatchObject(o.spec);
    for (const o of gateway) expect(dryRunOnServer(o)).toMatchObject({ status: 0, stderr: '' });
    for (const o of gateway.filter((x) => x.kind === 'TLSRoute')) {
      expect(dryRunOnServer({ ...o, spec: { ...o.spec, hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.test`) } }).stderr)
        .toMatch(/spec.hostnames: Invalid value: 17: spec.hostnames in body should have at most 16 items/);
    }
    for (const o of gateway.filter((x) => x.kind === 'Gateway')) {
      const [first, ...rest] = o.spec.listeners;
      expect(dryRunOnServer({ ...o, spec: { ...o.spec, listeners: [{ ...first, port: 'eighty' }, ...rest] } }).stderr)
        .toMatch(/spec.listeners.port: Invalid value: "string": spec.listeners.port in body must be of type integer/);
    }
  });

  test('each Deployment gets a ReplicaSet with the desired replicas, and its pods', async () => {
    let checked = 0;
    for (const d of ofKind('Deployment')) {
      checked += 1;
      const ns = d.metadata.namespace ?? 'default';
      const selector = Object.entries(d.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
      const rs = await waitFor(`a ReplicaSet of ${d.metadata.name}`, 60, () => {
        const items = getJson(['replicasets', '-n', ns, '-l', selector]).items;
        return items.find((r: any) => r.spec.replicas === (d.spec.replicas ?? 1) && r.status.replicas === r.spec.replicas);
      });
      expect(rs.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: d.metadata.name });
      const hash = rs.metadata.labels['pod-template-hash'];
      const pods = getJson(['pods', '-n', ns, '-l', `${selector},pod-template-hash=${hash}`]).items;
      expect(pods.filter((p: any) => !p.metadata.deletionTimestamp)).toHaveLength(d.spec.replicas ?? 1);
    }
    expect(checked).toBe(expected.deployments);
  });

  test('each PersistentVolumeClaim reaches Bound to the PersistentVolume it names', async () => {
    let checked = 0;
    for (const pvc of ofKind('PersistentVolumeClaim')) {
      checked += 1;
      const live = await waitFor(`PVC ${pvc.metadata.name} to bind`, 90, () => {
        const claim = getJson(ref(pvc));
        return claim.status.phase === 'Bound' ? claim : undefined;
      });
      expect(live.spec.volumeName).toBe(pvc.spec.volumeName);
      expect(getJson(['persistentvolume', pvc.spec.volumeName]).status.phase).toBe('Bound');
    }
    expect(checked).toBe(expected.claims);
  });

  test("kube-keepalived-vip's ServiceAccount can call what the controller calls, and cannot read secrets", () => {
    const keepalived = ofKind('DaemonSet').filter((d) => (d as any).metadata.labels?.['app.kubernetes.io/name'] === 'kube-keepalived-vip');
    expect(keepalived).toHaveLength(expected.keepalived);
    for (const d of keepalived) {
      const as = `--as=system:serviceaccount:${d.metadata.namespace ?? 'default'}:${d.spec.template.spec.serviceAccountName}`;
      const can = (...args: string[]) => kubectlRaw(['auth', 'can-i', ...args, as]).stdout.trim();
      // What the 0.35 controller calls, and nothing more.
      for (const resource of ['services', 'endpoints', 'configmaps']) {
        expect(`list ${resource}: ${can('list', resource, '--all-namespaces')}`).toBe(`list ${resource}: yes`);
        expect(`watch ${resource}: ${can('watch', resource, '--all-namespaces')}`).toBe(`watch ${resource}: yes`);
      }
      expect(can('get', 'pods', '-n', d.metadata.namespace ?? 'default')).toBe('yes');
      expect(can('get', 'nodes')).toBe('yes');
      expect(can('list', 'nodes')).toBe('yes');
      expect(can('list', 'pods', '--all-namespaces')).toBe('no');
      expect(can('watch', 'nodes')).toBe('no');
      expect(can('get', 'secrets', '--all-namespaces')).toBe('no');
      expect(can('list', 'secrets', '-n', 'kube-system')).toBe('no');
      expect(can('update', 'configmaps', '-n', 'kube-system')).toBe('no');
      expect(can('create', 'pods', '-n', 'default')).toBe('no');
    }
  });

  test("kube-vip's ServiceAccount can hold leases and update Services' status, and cannot read secrets", () => {
    const kubeVip = ofKind('DaemonSet').filter((x) => x.metadata.name === 'kube-vip-ds');
    expect(kubeVip).toHaveLength(expected.kubeVip);
    for (const d of kubeVip) {
      const as = `--as=system:serviceaccount:${d.metadata.namespace}:${d.spec.template.spec.serviceAccountName}`;
      const can = (...args: string[]) => `${args.join(' ')}: ${kubectlRaw(['auth', 'can-i', ...args, as]).stdout.trim()}`;
      for (const allowed of [['create', 'leases', '-n', 'kube-system'], ['update', 'services/status', '-n', 'default'],
        ['watch', 'services', '--all-namespaces'], ['list', 'endpointslices.discovery.k8s.io', '--all-namespaces']]) {
        expect(can(...allowed)).toBe(`${allowed.join(' ')}: yes`);
      }
      for (const refused of [['get', 'secrets', '--all-namespaces'], ['delete', 'services', '-n', 'default'], ['create', 'pods', '-n', 'default']]) {
        expect(can(...refused)).toBe(`${refused.join(' ')}: no`);
      }
    }
  });

  test("Headlamp's own ServiceAccount may do nothing; its viewer may read pods but not secrets, and change nothing", () => {
    const headlamp = ofKind('Deployment').filter((x) => x.metadata.name === 'headlamp');
    expect(headlamp).toHaveLength(expected.headlamp);
    for (const d of headlamp) {
      const ns = d.metadata.namespace!;
      const can = (account: string, ...args: string[]) =>
        `${account} ${args.join(' ')}: ${kubectlRaw(['auth', 'can-i', ...args, `--as=system:serviceaccount:${ns}:${account}`]).stdout.trim()}`;
      expect(can('headlamp', 'list', 'pods', '--all-namespaces')).toBe('headlamp list pods --all-namespaces: no');
      expect(can('headlamp', '*', '*')).toBe('headlamp * *: no');
      if (objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'headlamp-viewer')) {
        expect(can('headlamp-viewer', 'list', 'pods', '--all-namespaces')).toBe('headlamp-viewer list pods --all-namespaces: yes');
        const customer = ofKind('Deployment').find((x) => x.metadata.labels?.['app.kubernetes.io/name'] === 'web-ssh-server')!.metadata.namespace;
        expect(can('headlamp-viewer', 'get', 'secrets', '-n', customer!)).toBe(`headlamp-viewer get secrets -n ${customer}: no`);
        expect(can('headlamp-viewer', 'delete', 'pods', '-n', customer!)).toBe(`headlamp-viewer delete pods -n ${customer}: no`);
      }
    }
  });

  test("each customer's namespace: the LimitRange fills in a pod without resources, and the quota refuses pods, CPU and memory beyond it, in the server's own words", async () => {
    let checked = 0;
    for (const quota of ofKind('ResourceQuota')) {
      checked += 1;
      const ns = quota.metadata.namespace!;
      const live = await waitFor(`the quota of ${ns} to count its pods`, 30, () => {
        const q = getJson(['resourcequota', quota.metadata.name, '-n', ns]);
        return q.status?.used?.pods !== undefined && Number(q.status.used.pods) > 0 ? q : undefined;
      });
      const range = ofKind('LimitRange').find((l) => l.metadata.namespace === ns)!.spec.limits[0];
      const probe = (name: string, containers: Array<Record<string, string>> = [{}]) => JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: containers.map((resources, i) => ({
            name: `probe-${i}`,
            image: 'registry.example/probe:v1',
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            ...(Object.keys(resources).length ? { resources: { requests: resources, limits: resources } } : {}),
          })),
        },
      });
      const refusal = (name: string, resource: string, requested: string, used: string, limited: string) =>
        new RegExp(`^Error from server \\(Forbidden\\): error when creating "STDIN": pods "${name}" is forbidden: exceeded quota: ${quota.metadata.name}, `
          + `requested: (\\S+,)?${resource}=${requested}(,\\S+)?, used: (\\S+,)?${resource}=${used}(,\\S+)?, limited: (\\S+,)?${resource}=${limited}(,\\S+)?$`);

      // CPU and memory: what is left of each request quota, asked for by one pod (in containers no bigger than the
      // LimitRange's max), is admitted (the negative control); one millicore or one byte more is refused
      for (const [resource, unit, max] of [['cpu', 'm', quantity(range.max.cpu) * 1000], ['memory', '', quantity(range.max.memory)]] as const) {
        const hard = quantity(live.status.hard[`requests.${resource}`]) * (unit === 'm' ? 1000 : 1);
        const used = quantity(live.status.used[`requests.${resource}`]) * (unit === 'm' ? 1000 : 1);
        const left = Math.round(hard - used);
        expect(left).toBeGreaterThan(0);
        const ask = (amount: number) => {
          const n = Math.ceil(amount / max);
          return Array.from({ length: n }, (_, i) => ({ [resource]: `${Math.floor(amount / n) + (i < amount % n ? 1 : 0)}${unit}` }));
        };
        const fits = kubectlRaw(['create', '--dry-run=server', '-f', '-'], probe(`quota-${resource}-fits`, ask(left)));
        expect({ resource, status: fits.status, stderr: fits.stderr }).toEqual({ resource, status: 0, stderr: '' });
        const over = kubectlRaw(['create', '--dry-run=server', '-f', '-'], probe(`quota-${resource}-over`, ask(left + 1)));
        expect(over.status).not.toBe(0);
        expect(over.stderr.trim()).toMatch(refusal(`quota-${resource}-over`, `requests.${resource}`, '\\S+', '\\S+', String(live.status.hard[`requests.${resource}`])));
      }

      // pods: created one by one until the quota is full (each admitted: the negative control), then one more refused
      const limit = Number(live.status.hard.pods);
      let used = Number(live.status.used.pods);
      const made: string[] = [];
      try {
        expect(used).toBeLessThan(limit);
        while (used < limit) {
          const out = kubectlRaw(['create', '-f', '-'], probe(`quota-probe-${used}`));
          expect(out.stderr).toBe('');
          made.push(`quota-probe-${used}`);
          used += 1;
        }
        // the LimitRange's defaults filled in
        expect(getJson(['pod', made[0], '-n', ns]).spec.containers[0].resources).toEqual({ requests: range.defaultRequest, limits: range.default });
        const refused = kubectlRaw(['create', '-f', '-'], probe(`quota-probe-${used}`));
        expect(refused.status).not.toBe(0);
        // the API server's own message names the quota and every amount it exceeds, pods among them
        expect(refused.stderr.trim()).toMatch(refusal(`quota-probe-${used}`, 'pods', '1', String(limit), String(limit)));
      } finally {
        if (made.length) kubectlRaw(['delete', 'pod', '-n', ns, '--wait=false', ...made]);
      }
    }
    expect(checked).toBe(expected.quotas);
  });

  test('each Service has a ClusterIP and the externalIPs it declared; a load-balancer one keeps its type and address annotation', () => {
    expect(ofKind('Service')).toHaveLength(expected.services);
    for (const s of ofKind('Service')) {
      const live = getJson(ref(s));
      expect(live.spec.clusterIP).toMatch(/^10\.96\.[0-9]+\.[0-9]+$/);
      expect(live.spec.externalIPs ?? []).toEqual(s.spec.externalIPs ?? []);
      expect(live.spec.type).toBe(s.spec.type ?? 'ClusterIP');
      for (const key of ['metallb.io/loadBalancerIPs', 'kube-vip.io/loadbalancerIPs']) {
        expect(live.metadata.annotations?.[key]).toBe(s.metadata.annotations?.[key]);
      }
    }
  });

  test('the server stored each cert-manager Certificate as emitted, with the CRD applied', () => {
    // dist/agency's two servers on cert-manager; no other site has any
    expect(ofKind('Certificate').map((o) => o.metadata.name)).toEqual(dir === path.join(DIST, 'agency') ? ['acme-tls', 'bakery-tls'] : []);
    for (const o of ofKind('Certificate')) expect(getJson(ref(o)).spec).toEqual(o.spec);
  });

  test('the server stored each MetalLB custom resource as emitted, with the defaults of its CRD schema', () => {
    const metallb = objects.filter((x) => x.apiVersion.startsWith('metallb.io/'));
    expect(metallb).toHaveLength(expected.metallb);
    for (const o of metallb) {
      // the CRD's schema defaults avoidBuggyIPs: proof that the server applied MetalLB's schema to the object
      expect(getJson(ref(o)).spec).toEqual(o.kind === 'IPAddressPool' ? { avoidBuggyIPs: false, ...o.spec } : o.spec);
    }
  });
});

describe('negative controls on the server', () => {
  beforeAll(() => {
    kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'negative' } }));
  });

  // --validate=false: the server alone decides, not kubectl's client-side checks.
  test.each(negativeControls('server'))('the server rejects $file', ({ yaml, expect: expected }) => {
    const out = kubectlRaw(['apply', '--dry-run=server', '--validate=false', '-f', '-'], yaml);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(expected);
  });

  test('the server validates MetalLB custom resources by the installed CRDs (and refuses one whose addresses are not a list)', () => {
    const control = negativeControls('schema').find((c) => c.file === 'metallb-addresses-not-a-list.yaml')!;
    const out = kubectlRaw(['apply', '--dry-run=server', '--validate=false', '-f', '-'], control.yaml);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/spec\.addresses: Invalid value: "string": spec\.addresses in body must be of type array/);
    const fixed = control.yaml.replace('addresses: 10.20.30.11/32', 'addresses: [10.20.30.11/32]');
    expect(kubectlRaw(['apply', '--dry-run=server', '--validate=false', '-f', '-'], fixed).status).toBe(0);
  });

  test("the server validates cert-manager's Certificates by the installed CRD (and refuses one whose dnsNames are not a list)", () => {
    const certificate = objectsIn(path.join(DIST, 'agency')).find((o) => o.kind === 'Certificate')!;
    const bad = { ...certificate, metadata: { ...certificate.metadata, name: 'not-a-list' }, spec: { ...certificate.spec, dnsNames: 'acme.example' } };
    const out = kubectlRaw(['apply', '--dry-run=server', '--validate=false', '-f', '-'], JSON.stringify(bad));
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/spec\.dnsNames: Invalid value: "string": spec\.dnsNames in body must be of type array/);
  });

  test('a 1.20 server silently drops an unknown field, which is why the schema tier runs first', () => {
    const unknownField = negativeControls('schema').find((c) => c.file === 'unknown-field.yaml')!;
    const out = kubectlRaw(['apply', '--dry-run=server', '--validate=false', '-f', '-'], unknownField.yaml);
    expect(out.status).toBe(0);
  });
});
