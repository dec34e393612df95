import * as path from 'path';
import { podSpecOf } from '@cdk8s-vserver/core';
import { DATABASE_CLIENT_LABEL } from '@cdk8s-vserver/storage';
import { DIST, distApps, Manifest, objectsIn } from '../support';

/**
 * Every NetworkPolicy of every app, read as a table a reviewer can check: which pods it selects, who may reach them
 * on which ports, and where they may connect out to. The snapshot is the table; the assertions below are the rules
 * it must keep (every customer pod selected, backups with no network, nothing reaching the LAN by default).
 */
/** The apps the test suite owns (apps/lab, apps/agency); any other app in dist/ is a user's. */
const FIXTURES = ['lab', 'agency'];

function selects(selector: any, labels: Record<string, string>): boolean {
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
    && (selector?.matchExpressions ?? []).every((e: any) => e.operator === 'In' && e.values.includes(labels[e.key]));
}
const ports = (list: any[] | undefined) => (list && list.length ? list.map((p) => `${p.protocol ?? 'TCP'} ${p.port}`).join(', ') : 'any port');
function peer(p: any): string {
  if (p.ipBlock) return `${p.ipBlock.cidr}${p.ipBlock.except ? ` except ${p.ipBlock.except.join(' ')}` : ''}`;
  const ns = p.namespaceSelector ? `namespace ${JSON.stringify(p.namespaceSelector.matchLabels ?? {})}` : 'this namespace';
  return `${ns}, pods ${JSON.stringify(p.podSelector?.matchLabels ?? {})}`;
}
function table(policy: Manifest): string[] {
  const spec = (policy as any).spec;
  const expressions = (spec.podSelector?.matchExpressions ?? []).map((e: any) => ` ${e.key} in (${e.values.join(', ')})`).join('');
  const who = Object.keys(spec.podSelector?.matchLabels ?? {}).length ? `${JSON.stringify(spec.podSelector.matchLabels)}${expressions}` : 'every pod';
  const rows = [`${policy.metadata.namespace}/${policy.metadata.name}: ${who}`];
  const side = (type: 'Ingress' | 'Egress', rules: any[] | undefined, dir: 'from' | 'to') => {
    if (!spec.policyTypes.includes(type)) return;
    if (!rules || rules.length === 0) rows.push(`  ${type.toLowerCase()}: nothing`);
    for (const r of rules ?? []) rows.push(`  ${type.toLowerCase()}: ${(r[dir] ?? []).length ? r[dir].map(peer).join(' | ') : 'anyone'} -> ${ports(r.ports)}`);
  };
  side('Ingress', spec.ingress, 'from');
  side('Egress', spec.egress, 'to');
  return rows;
}

describe.each(distApps())('dist/%s', (app) => {
  const objects = objectsIn(path.join(DIST, app));
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const policiesOf = (namespace: string, labels: Record<string, string>) => policies
    .filter((p) => p.metadata.namespace === namespace && selects((p as any).spec.podSelector, labels));

  // the fixtures' tables are reviewed in the snapshot; a user's own app is held to the rules below only
  (FIXTURES.includes(app) ? test : test.skip)('who may reach what, policy by policy', () => {
    expect(policies.flatMap(table).join('\n')).toMatchSnapshot();
  });

  test('every server pod and every backup job has a policy that closes both directions (and a backup job one more to its database, one to the Pushgateway)', () => {
    const customerPods = objects.filter((o) => podSpecOf(o) && ['web-ssh-server', 'restic-backup'].includes(o.metadata.labels?.['app.kubernetes.io/name'] ?? ''));
    expect(customerPods.length).toBeGreaterThan(0);
    for (const o of customerPods) {
      const labels = o.kind === 'CronJob' ? (o as any).spec.jobTemplate.spec.template.metadata.labels : (o as any).spec.template.metadata.labels;
      const own = policiesOf(o.metadata.namespace!, labels).filter((p) => Object.keys((p as any).spec.podSelector.matchLabels ?? {}).length > 0);
      const closing = own.filter((p) => (p as any).spec.policyTypes.join() === 'Ingress,Egress');
      expect({ id: `${o.kind}/${o.metadata.name}`, closing: closing.length }).toEqual({ id: `${o.kind}/${o.metadata.name}`, closing: 1 });
      const more = own.filter((p) => !closing.includes(p)).map((p) => `${p.metadata.name}: ${(p as any).spec.policyTypes.join()}`).sort();
      const backup = o.metadata.labels?.['app.kubernetes.io/name'] === 'restic-backup' ? labels['app.kubernetes.io/instance'] : undefined;
      const env: string[] = ((podSpecOf(o) as any).containers[0].env ?? []).map((e: any) => e.name);
      const expected = [
        ...(backup && labels[DATABASE_CLIENT_LABEL] !== undefined ? [`${backup}-database: Egress`] : []),
        ...(backup && env.includes('PUSHGATEWAY_URL') ? [`${backup}-metrics: Egress`] : []),
      ];
      expect({ id: `${o.kind}/${o.metadata.name}`, more }).toEqual({ id: `${o.kind}/${o.metadata.name}`, more: expected });
    }
  });

  test("backup jobs get no network at all, but the dump's way out to its database's port and the results' to the Pushgateway (and DNS); only the backup's and the restore's pods may reach the database", () => {
    for (const p of policies.filter((x) => x.metadata.labels?.['app.kubernetes.io/name'] === 'restic-backup')) {
      const dns = '"k8s-app":"kube-dns"} -> UDP 53, TCP 53';
      if (p.metadata.name.endsWith('-backup-database')) {
        for (const row of table(p).slice(1)) expect(row.endsWith(dns) || /^ {2}egress: namespace .*-> TCP 3306$/.test(row)).toBe(true);
      } else if (p.metadata.name.endsWith('-backup-metrics')) {
        expect(table(p)[0]).toMatch(/ cdk8s-vserver\.io\/backup-task in \(backup, prune, drill\)$/);
        for (const row of table(p).slice(1)) expect(row.endsWith(dns) || /^ {2}egress: (\d+\.\d+\.\d+\.\d+\/32|namespace .*) -> TCP \d+$/.test(row)).toBe(true);
      } else {
        expect(table(p).slice(1)).toEqual(['  ingress: nothing', '  egress: nothing']);
      }
    }
    for (const c of objects.filter((o) => o.kind === 'CronJob' && o.metadata.labels?.['app.kubernetes.io/name'] === 'restic-backup')) {
      const client = (c as any).spec.jobTemplate.spec.template.metadata.labels[DATABASE_CLIENT_LABEL];
      // the backup dumps, the restore loads a dump back; the prune and the drill never reach the database
      if (/-(prune|drill)$/.test(c.metadata.name)) expect({ cronJob: c.metadata.name, client }).toEqual({ cronJob: c.metadata.name, client: undefined });
    }
  });

  test('no policy lets a pod reach the LAN, the nodes or the NAS by default: egress is an address of the ACME CA, DNS or the internet without private ranges', () => {
    for (const p of policies) {
      for (const rule of (p as any).spec.egress ?? []) {
        for (const to of rule.to ?? []) {
          if (to.ipBlock?.cidr === '0.0.0.0/0') expect(to.ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
          else if (to.ipBlock) expect(to.ipBlock.cidr).toMatch(/\/32$/);
        }
        expect(rule.to?.length).toBeGreaterThan(0);
      }
    }
  });

  test('a namespace the site creates for its servers denies everything by default', () => {
    const serverNamespaces = new Set(objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'web-ssh-server')
      .map((o) => o.metadata.namespace));
    for (const ns of objects.filter((o) => o.kind === 'Namespace' && serverNamespaces.has(o.metadata.name))) {
      const deny = policies.find((p) => p.metadata.namespace === ns.metadata.name && p.metadata.name === 'default-deny');
      expect(deny && table(deny)).toEqual([`${ns.metadata.name}/default-deny: every pod`, '  ingress: nothing', '  egress: nothing']);
    }
  });
});

test('the table reads a policy that lets everything in as such (negative control of the checks above)', () => {
  const open = { kind: 'NetworkPolicy', metadata: { name: 'open', namespace: 'x' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } } as any;
  expect(table(open)).toEqual(['x/open: every pod', '  ingress: anyone -> any port']);
});
