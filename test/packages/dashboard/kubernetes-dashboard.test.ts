import { ImageReference, Ipv4Address, Ipv4Subnet } from '@cdk8s-vserver/core';
import { KubernetesDashboard, KubernetesDashboardProps } from '@cdk8s-vserver/dashboard';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { Chart, Testing } from 'cdk8s';
import { find, ofKind, synth } from '../../support';

function dashboard(props: KubernetesDashboardProps = {}) {
  const chart = new Chart(Testing.app(), 'dashboard', { disableResourceNameHashes: true });
  const construct = new KubernetesDashboard(chart, 'Dashboard', props);
  return { chart, construct, manifests: synth(chart) };
}

describe('the upstream v2.7.0 shape', () => {
  const { manifests } = dashboard();
  const deployment = find(manifests, 'Deployment', 'kubernetes-dashboard');
  const container = deployment.spec.template.spec.containers[0];

  test('has the upstream objects, the namespace first', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Namespace/kubernetes-dashboard', 'ServiceAccount/kubernetes-dashboard', 'Service/kubernetes-dashboard',
      'Secret/kubernetes-dashboard-certs', 'Secret/kubernetes-dashboard-csrf', 'Secret/kubernetes-dashboard-key-holder',
      'ConfigMap/kubernetes-dashboard-settings', 'Role/kubernetes-dashboard', 'ClusterRole/kubernetes-dashboard',
      'RoleBinding/kubernetes-dashboard', 'ClusterRoleBinding/kubernetes-dashboard', 'Deployment/kubernetes-dashboard',
      'Service/dashboard-metrics-scraper', 'Deployment/dashboard-metrics-scraper',
    ]);
    for (const m of manifests.filter((o) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind))) {
      expect(m.metadata.namespace).toBe('kubernetes-dashboard');
    }
  });

  test('the Service maps 443 to the pods\' 8443', () => {
    const service = find(manifests, 'Service', 'kubernetes-dashboard');
    expect(service.spec.ports).toEqual([{ port: 443, targetPort: 8443 }]);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(container.ports).toEqual([{ containerPort: 8443, protocol: 'TCP' }]);
  });

  test('runs the pinned images with upstream args, read-only root, user 1001 and RuntimeDefault seccomp', () => {
    expect(container.image).toBe('kubernetesui/dashboard:v2.7.0');
    expect(container.args).toEqual(['--auto-generate-certificates', '--namespace=kubernetes-dashboard']);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsUser: 1001, allowPrivilegeEscalation: false });
    expect(deployment.spec.template.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.livenessProbe.httpGet).toEqual({ scheme: 'HTTPS', path: '/', port: 8443 });
    expect(find(manifests, 'Deployment', 'dashboard-metrics-scraper').spec.template.spec.containers[0].image).toBe('kubernetesui/metrics-scraper:v1.0.8');
  });

  test('the ClusterRole only reads metrics, and nothing is bound to cluster-admin', () => {
    expect(find(manifests, 'ClusterRole', 'kubernetes-dashboard').rules).toEqual([
      { apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
    ]);
    for (const binding of [...ofKind(manifests, 'RoleBinding'), ...ofKind(manifests, 'ClusterRoleBinding')]) {
      expect(binding.roleRef.name).toBe('kubernetes-dashboard');
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard' }]);
    }
  });

  test('the Role only touches the Dashboard\'s own secrets and settings', () => {
    const rules = find(manifests, 'Role', 'kubernetes-dashboard').rules;
    expect(rules[0]).toEqual({
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: ['kubernetes-dashboard-key-holder', 'kubernetes-dashboard-certs', 'kubernetes-dashboard-csrf'],
      verbs: ['get', 'update', 'delete'],
    });
    expect(rules.every((r: any) => r.resourceNames && r.resourceNames.length > 0)).toBe(true);
  });
});

describe('props', () => {
  test('namespace, images and the API server host', () => {
    const { manifests } = dashboard({
      namespace: 'dash',
      apiServerHost: 'https://192.168.1.10:6443',
      image: ImageReference.of('master.test:5000/myrepo/dashboard:v2.7.0'),
    });
    const container = find(manifests, 'Deployment', 'kubernetes-dashboard').spec.template.spec.containers[0];
    expect(container.args).toEqual(['--auto-generate-certificates', '--namespace=dash', '--apiserver-host=https://192.168.1.10:6443']);
    expect(container.image).toBe('master.test:5000/myrepo/dashboard:v2.7.0');
    expect(find(manifests, 'Namespace', 'dash')).toBeDefined();
    expect(find(manifests, 'ClusterRoleBinding', 'kubernetes-dashboard').subjects[0].namespace).toBe('dash');
  });

  test.each([
    ['an API server host that is not a URL', { apiServerHost: '192.168.1.10:6443' },
      "[dashboard/Dashboard] 'apiServerHost' must be an http(s) URL of a host and an optional port, such as \"https://192.168.1.10:6443\", got \"192.168.1.10:6443\""],
    ['an API server URL with a path', { apiServerHost: 'https://192.168.1.10:6443/api' }, /'apiServerHost' must be an http\(s\) URL of a host .*got "https:\/\/192.168.1.10:6443\/api"$/],
    ['an unpinned image', { image: ImageReference.of('kubernetesui/dashboard:latest') }, /'image' must be an ImageReference with a pinned tag.*'latest'/],
    ['an uppercase namespace', { namespace: 'Dash' }, /'namespace' must be a DNS-1123 label.*got "Dash"$/],
  ])('throws for %s', (_what, props, message) => {
    expect(() => dashboard(props)).toThrow(message);
  });
});

describe('the Dashboard on a VIP: the controller\'s one verb, expose()', () => {
  test('publishes the Dashboard Service on the VIP through the ConfigMap and externalIPs', () => {
    const app = Testing.app();
    const system = new Chart(app, 'system', { namespace: 'kube-system', disableResourceNameHashes: true });
    const vip = new KeepalivedVip(system, 'Vip', { lanSubnet: Ipv4Subnet.of('192.168.1.0/24') });
    const chart = new Chart(app, 'dashboard', { disableResourceNameHashes: true });
    const construct = new KubernetesDashboard(chart, 'Dashboard');
    const published = vip.expose(construct.service, Ipv4Address.of('192.168.1.33'));
    expect(published).toMatchObject({ address: '192.168.1.33', service: 'kubernetes-dashboard/kubernetes-dashboard', ports: [443] });
    expect(find(synth(system), 'ConfigMap', 'vip-configmap').data).toEqual({ '192.168.1.33': 'kubernetes-dashboard/kubernetes-dashboard' });
    expect(find(synth(chart), 'Service', 'kubernetes-dashboard').spec.externalIPs).toEqual(['192.168.1.33']);
  });

  test('throws for a VIP outside the LAN, naming the KeepalivedVip', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
    const vip = new KeepalivedVip(chart, 'Vip', { lanSubnet: Ipv4Subnet.of('192.168.1.0/24') });
    const construct = new KubernetesDashboard(chart, 'Dashboard');
    expect(() => vip.expose(construct.service, Ipv4Address.of('10.0.0.33')))
      .toThrow("[c/Vip] 'expose address' must lie in the site's LAN 192.168.1.0/24, got \"10.0.0.33\"");
  });
});
