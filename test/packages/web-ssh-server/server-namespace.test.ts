import { ImageReference, Warnings } from '@cdk8s-vserver/core';
import { NfsFolder } from '@cdk8s-vserver/storage';
import { ServerNamespace, WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { Chart, Testing } from 'cdk8s';
import { find, synth } from '../../support';

const HTTPD = ImageReference.of('master.test:5000/myrepo/httpd:v1');
const SSHD = ImageReference.of('master.test:5000/myrepo/sshd:v1');

function build() {
  const app = Testing.app();
  const namespaces = new Chart(app, 'namespace', { disableResourceNameHashes: true });
  const own = new Chart(app, 'shop', { namespace: 'shop', disableResourceNameHashes: true });
  const docroot = new NfsFolder(own, 'Docroot', { host: 'nas.test', path: '/export/web/shop', claimName: 'shop-docroot' });
  const server = new WebSshServer(own, 'Shop', { name: 'shop', httpdImage: HTTPD, sshdImage: SSHD, docroot });
  const namespace = new ServerNamespace(namespaces, 'ShopNamespace', { name: 'shop' });
  return { app, namespaces, server, namespace };
}

describe('ServerNamespace: a namespace of a server\'s own', () => {
  test('Pod Security "restricted" enforced, audited and warned, and a default-deny policy for both directions', () => {
    const { namespaces } = build();
    const manifests = synth(namespaces);
    expect(find(manifests, 'Namespace', 'shop').metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(find(manifests, 'NetworkPolicy', 'default-deny')).toMatchObject({ metadata: { namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
  });

  test('fitTo: a quota of exactly what the server needs (2 replicas + the rollout pod, two runs of each job) and limits from its containers', () => {
    const { namespaces, server, namespace } = build();
    const job = { name: 'tar', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '500m', memory: '128Mi' } } } as any;
    namespace.fitTo(server, { jobs: [job] });
    const quota = find(synth(namespaces), 'ResourceQuota', 'shop');
    // httpd 50m + sshd 20m per pod (their defaults), 3 pods, and the job's 10m twice
    expect(quota.spec.hard).toMatchObject({ 'pods': '5', 'requests.cpu': '230m', 'requests.memory': '320Mi' });
    expect(find(synth(namespaces), 'LimitRange', 'shop').spec.limits[0].type).toBe('Container');
  });

  test('throws on a quota below one of the server\'s pods, naming itself when no site declared it; warns below a rollout', () => {
    expect(() => build().namespace.fitTo(build().server, { quota: { requestsCpu: '1m' } }))
      .toThrow(/^\[namespace\/ShopNamespace\] 'quota\.requestsCpu' must be at least what one of the server's pods asks/);
    expect(() => build().namespace.fitTo(build().server, { quota: { pods: 0 } })).toThrow("[namespace/ShopNamespace] 'quota.pods' must be an integer from 1 to 1000, got 0");
    expect(() => build().namespace.fitTo(build().server, { quota: { limitsMemory: 'lots' } })).toThrow("'quota.limitsMemory' must be a quantity above zero, such as '1Gi'");
    const { app, server, namespace } = build();
    namespace.fitTo(server, { quota: { pods: 2 } });
    expect(Warnings.collect(app).filter((w) => w.includes("'quota'"))).toEqual(["[namespace/ShopNamespace] 'quota' holds fewer than the 2 replicas and the pod a rolling update adds: "
      + 'pods 2 (a rolling update needs 3). A rollout would wait for room that never comes.']);
  });
});
