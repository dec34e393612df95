import * as fs from 'fs';
import * as path from 'path';
import { KubernetesSchema } from './k8s-schema';
import { crdFiles, synthBackendSites, synthGatewaySite, synthMariaDbOperatorSite } from '../backend-sites';
import { negativeControls } from '../negative/controls';
import { distApps, DIST, objectsIn, yamlFilesIn } from '../support';

const openapi = process.env.OPENAPI_JSON;
if (!openapi || !fs.existsSync(openapi)) {
  throw new Error(`OPENAPI_JSON (${openapi}) is not set or missing: run the schema tier through 'npx projen test:schema'`);
}
const schema = KubernetesSchema.load(openapi);
// MetalLB's and cert-manager's custom resources, by the CRDs their types were imported from
const customKinds = schema.addCustomResourceDefinitions(crdFiles());
const files = distApps().flatMap((app) => yamlFilesIn(path.join(DIST, app)).map((f) => path.relative(DIST, f)));
const backendSites = synthBackendSites();
const mariaDbOperatorSite = synthMariaDbOperatorSite()[1];
const gatewaySite = synthGatewaySite();

describe('every object in dist/ against the Kubernetes 1.30 OpenAPI schema, strictly', () => {
  test('there is something to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)('dist/%s is valid', (file) => {
    expect(schema.validateFile(path.join(DIST, file))).toEqual([]);
  });
});

describe.each(backendSites)('the lab on %s, against the same schema', (_backend, dir) => {
  test.each(yamlFilesIn(dir).map((f) => path.basename(f)))('%s is valid', (file) => {
    expect(schema.validateFile(path.join(dir, file))).toEqual([]);
  });
});

describe('MetalLB custom resources, against the CRDs they were imported from', () => {
  test('the CRDs add IPAddressPool and L2Advertisement (and cert-manager\'s Certificate, ClusterIssuer and Issuer)', () => {
    expect(customKinds).toEqual(['metallb.io/v1beta1/IPAddressPool', 'metallb.io/v1beta1/L2Advertisement',
      'cert-manager.io/v1/Certificate', 'cert-manager.io/v1/ClusterIssuer', 'cert-manager.io/v1/Issuer',
      'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule',
      'k8s.mariadb.com/v1alpha1/Database', 'k8s.mariadb.com/v1alpha1/Grant', 'k8s.mariadb.com/v1alpha1/MariaDB', 'k8s.mariadb.com/v1alpha1/User',
      // (every version the CRDs serve: Gateway and HTTPRoute still serve v1beta1)
      'gateway.networking.k8s.io/v1/Gateway', 'gateway.networking.k8s.io/v1beta1/Gateway', 'gateway.networking.k8s.io/v1/HTTPRoute',
      'gateway.networking.k8s.io/v1beta1/HTTPRoute', 'gateway.networking.k8s.io/v1/ListenerSet', 'gateway.networking.k8s.io/v1/TLSRoute']);
  });

  const pool = () => ({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: 'p', namespace: 'metallb-system' },
    spec: { addresses: ['10.20.30.11/32'], autoAssign: false } as Record<string, unknown>,
  });

  test('accepts a valid pool', () => {
    expect(schema.validate(pool())).toEqual([]);
  });

  test('fails a pool whose addresses are not a list, one without addresses, and an unknown field', () => {
    const notAList = pool();
    notAList.spec.addresses = '10.20.30.11/32';
    expect(schema.validate(notAList).join('\n')).toMatch(/\/spec\/addresses: must be array/);
    const missing = pool();
    delete missing.spec.addresses;
    expect(schema.validate(missing).join('\n')).toMatch(/must have required property 'addresses'/);
    const misspelt = pool();
    misspelt.spec.autoassign = false;
    expect(schema.validate(misspelt).join('\n')).toMatch(/must NOT have additional properties 'autoassign'/);
  });

  test('fails metadata that is not ObjectMeta', () => {
    expect(schema.validate({ ...pool(), metadata: { name: 'p', labelz: {} } }).join('\n')).toMatch(/additional properties 'labelz'/);
  });
});

describe("the Prometheus Operator's PodMonitor and PrometheusRule, against the CRDs their types were imported from", () => {
  const agency = objectsIn(path.join(DIST, 'agency')).filter((o) => o.apiVersion === 'monitoring.coreos.com/v1');

  test('dist/agency has the servers\' and the collector\'s PodMonitors and the site\'s PrometheusRule, each valid', () => {
    expect(agency.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual(['PodMonitor/vserver-agency-servers', 'PodMonitor/vserver-agency-log-collector',
      'PrometheusRule/vserver-agency']);
    for (const o of agency) expect(schema.validate(o)).toEqual([]);
  });

  test('fails a PodMonitor without a selector and a rule without expr (negative controls)', () => {
    const noSelector: any = JSON.parse(JSON.stringify(agency[0]));
    delete noSelector.spec.selector;
    expect(schema.validate(noSelector).join('\n')).toMatch(/must have required property 'selector'/);
    const noExpr: any = JSON.parse(JSON.stringify(agency[2]));
    delete noExpr.spec.groups[0].rules[0].expr;
    expect(schema.validate(noExpr).join('\n')).toMatch(/must have required property 'expr'/);
  });
});

describe("mariadb-operator's MariaDB, Database, User and Grant, against the CRDs their types were imported from", () => {
  test.each(yamlFilesIn(mariaDbOperatorSite).map((f) => path.basename(f)))('the lab with a database mariadb-operator runs: %s is valid', (file) => {
    expect(schema.validateFile(path.join(mariaDbOperatorSite, file))).toEqual([]);
  });

  const objects = objectsIn(mariaDbOperatorSite).filter((o) => o.apiVersion === 'k8s.mariadb.com/v1alpha1');
  const of = (kind: string): any => JSON.parse(JSON.stringify(objects.find((o) => o.kind === kind)));

  test('the site has the MariaDB and myweb\'s Database, User and Grant', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['MariaDB/lab-mariadb-database/mariadb',
      'Database/lab-mariadb-database/myweb', 'User/lab-mariadb-database/myweb', 'Grant/lab-mariadb-database/myweb']);
  });

  test('fails a Grant without privileges, a User whose password has no key, a MariaDB with a misspelt field (negative controls)', () => {
    const noPrivileges = of('Grant');
    delete noPrivileges.spec.privileges;
    expect(schema.validate(noPrivileges).join('\n')).toMatch(/must have required property 'privileges'/);
    const noKey = of('User');
    delete noKey.spec.passwordSecretKeyRef.key;
    expect(schema.validate(noKey).join('\n')).toMatch(/must have required property 'key'/);
    const misspelt = of('MariaDB');
    misspelt.spec.rootPasswordSecretRef = misspelt.spec.rootPasswordSecretKeyRef;
    expect(schema.validate(misspelt).join('\n')).toMatch(/must NOT have additional properties 'rootPasswordSecretRef'/);
    const cleanup = of('Database');
    cleanup.spec.cleanupPolicy = 'Keep';
    expect(schema.validate(cleanup).join('\n')).toMatch(/cleanupPolicy: must be equal to one of the allowed values/);
  });
});

describe("Gateway API's Gateway, ListenerSet, HTTPRoute and TLSRoute, against the v1.5.1 standard-channel CRDs they were imported from", () => {
  test.each(yamlFilesIn(gatewaySite).map((f) => path.basename(f)))('the lab behind a Gateway: %s is valid', (file) => {
    expect(schema.validateFile(path.join(gatewaySite, file))).toEqual([]);
  });

  const objects = objectsIn(gatewaySite).filter((o) => o.apiVersion === 'gateway.networking.k8s.io/v1');
  const of = (kind: string, name: string): any => JSON.parse(JSON.stringify(objects.find((o) => o.kind === kind && o.metadata.name === name)));

  test('the site has the Gateway, a ListenerSet past its 64 listeners, and an HTTPRoute and a TLSRoute per server', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'Gateway/lab-gateway-entry/entry', 'ListenerSet/lab-gateway-entry/entry-1',
      ...['gw-blog', 'gw-myweb', 'gw-shop'].flatMap((n) => [`HTTPRoute/lab-gateway/${n}`, `TLSRoute/lab-gateway/${n}`]),
    ].sort());
    expect(of('Gateway', 'entry').spec.listeners).toHaveLength(4 + 32);
    expect(of('ListenerSet', 'entry-1').spec.listeners).toHaveLength(32);
  });

  test('fails 65 listeners on a Gateway, a route of 17 hostnames, a TLS listener with a misspelt field, a route without rules (negative controls)', () => {
    const full = of('Gateway', 'entry');
    full.spec.listeners = [...full.spec.listeners, ...of('ListenerSet', 'entry-1').spec.listeners].slice(0, 65);
    expect(schema.validate(full).join('\n')).toMatch(/\/spec\/listeners: must NOT have more than 64 items/);
    const names = of('TLSRoute', 'gw-shop');
    names.spec.hostnames = [...names.spec.hostnames, 'one.more.test'];
    expect(schema.validate(names).join('\n')).toMatch(/\/spec\/hostnames: must NOT have more than 16 items/);
    const misspelt = of('Gateway', 'entry');
    misspelt.spec.listeners[2].tls = { mood: 'Passthrough' };
    expect(schema.validate(misspelt).join('\n')).toMatch(/must NOT have additional properties 'mood'/);
    const noRules = of('HTTPRoute', 'gw-myweb');
    noRules.spec.rules = [{ backendRefs: [{ port: 80 }] }];
    expect(schema.validate(noRules).join('\n')).toMatch(/must have required property 'name'/);
  });
});

describe("cert-manager's Certificate, against the CRD its type was imported from", () => {
  const agency = objectsIn(path.join(DIST, 'agency')).filter((o) => o.kind === 'Certificate');

  test('dist/agency has a Certificate per server cert-manager signs, each valid', () => {
    expect(agency.map((o: any) => o.metadata.name)).toEqual(['acme-tls', 'bakery-tls']);
    for (const o of agency) expect(schema.validate(o)).toEqual([]);
  });

  test('fails a Certificate whose issuerRef has no name, and one with a misspelt field (negative controls)', () => {
    const noIssuer: any = JSON.parse(JSON.stringify(agency[0]));
    delete noIssuer.spec.issuerRef.name;
    expect(schema.validate(noIssuer).join('\n')).toMatch(/must have required property 'name'/);
    const misspelt: any = JSON.parse(JSON.stringify(agency[0]));
    misspelt.spec.dnsName = misspelt.spec.dnsNames;
    expect(schema.validate(misspelt).join('\n')).toMatch(/must NOT have additional properties 'dnsName'/);
  });
});

describe('the schema check bites', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'httpd:2.4.62', resources: { limits: { cpu: '500m', memory: '256Mi' } } }] } },
    },
  });

  test('accepts a valid Deployment', () => {
    expect(schema.validate(deployment())).toEqual([]);
  });

  test('fails an unknown apiVersion/kind', () => {
    expect(schema.validate({ ...deployment(), apiVersion: 'apps/v1beta9' })).toEqual(['(document): unknown apiVersion/kind apps/v1beta9/Deployment']);
  });

  test('fails a malformed quantity', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limits.memory = '256 MB';
    expect(schema.validate(d).join('\n')).toMatch(/resources\/limits\/memory/);
  });

  test('fails an int32 out of range and a missing required field', () => {
    const d: any = deployment();
    d.spec.replicas = 2 ** 31;
    delete d.spec.selector;
    const problems = schema.validate(d).join('\n');
    expect(problems).toMatch(/\/spec\/replicas: must match format "int32"/);
    expect(problems).toMatch(/must have required property 'selector'/);
  });

  test('accepts an int-or-string port as either, and fails it as an object', () => {
    const service = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
    expect(schema.validate(service(80))).toEqual([]);
    expect(schema.validate(service('http'))).toEqual([]);
    expect(schema.validate(service({ port: 80 }))).not.toEqual([]);
  });
});

describe('negative controls', () => {
  test.each(negativeControls('schema'))('the schema check rejects $file', ({ yaml, expect: expected }) => {
    expect(schema.validateYaml(yaml).join('\n')).toMatch(expected);
  });

  // These are valid by the schema: only the API server can catch them, which is why that tier exists.
  test.each(negativeControls('server'))('the schema check cannot catch $file (the server tier must)', ({ yaml }) => {
    expect(schema.validateYaml(yaml)).toEqual([]);
  });
});

// The static Pods the synth writes for the control-plane nodes (keepalived, haproxy, kube-vip): the kubelet reads
// them from /etc/kubernetes/manifests, no API server sees them first, so the schema is their only check here.
describe('the static Pods of the redundant control planes, against the same schema', () => {
  const staticPods = distApps().flatMap((app) => {
    const root = path.join(DIST, app, 'control-plane');
    if (!fs.existsSync(root)) return [];
    return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => /etc\/kubernetes\/manifests\/[^/]+\.yaml$/.test(f))
      .map((f) => path.relative(DIST, path.join(root, f))).sort();
  });

  test('the lab\'s three masters have keepalived and haproxy, the agency\'s kube-vip (and the first master\'s after init)', () => {
    expect(staticPods.filter((f) => f.startsWith('lab/'))).toHaveLength(6);
    expect(staticPods.filter((f) => f.startsWith('agency/'))).toHaveLength(4);
  });

  test.each(staticPods)('dist/%s is a valid Pod', (file) => {
    const objects = objectsIn(path.dirname(path.join(DIST, file))).filter((o) => o.metadata.name === path.basename(file, '.yaml'));
    expect(objects.map((o) => o.kind)).toEqual(['Pod']);
    expect(schema.validateFile(path.join(DIST, file))).toEqual([]);
  });

  test('fails a static Pod with a misspelt field (negative control)', () => {
    const pod = objectsIn(path.join(DIST, 'lab/control-plane/1-master1/etc/kubernetes/manifests')).find((o) => o.metadata.name === 'haproxy')!;
    const misspelt: any = JSON.parse(JSON.stringify(pod));
    misspelt.spec.hostNetworking = true;
    expect(schema.validate(misspelt).join('\n')).toMatch(/additional properties 'hostNetworking'/);
  });
});
