import { AppChecks, ImageReference } from '@cdk8s-vserver/core';
import { HEADLAMP_VERSION, Headlamp, HeadlampProps } from '@cdk8s-vserver/dashboard';
import { Chart, Testing } from 'cdk8s';
import { find, synth } from '../../support';

function setup(props: HeadlampProps = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'headlamp', { disableResourceNameHashes: true });
  AppChecks.of(app);
  const headlamp = new Headlamp(chart, 'Headlamp', props);
  return { app, chart, headlamp, manifests: () => synth(chart) };
}

describe('Headlamp', () => {
  const { manifests } = setup();
  const objects = manifests();
  const deployment = find(objects, 'Deployment', 'headlamp');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('is its own namespace, a ServiceAccount, a Service 80 -> 4466 and a Deployment, and binds nothing', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/headlamp', 'ServiceAccount/headlamp', 'Service/headlamp', 'Deployment/headlamp']);
    expect(find(objects, 'Service', 'headlamp').spec).toEqual({
      ports: [{ name: 'http', port: 80, targetPort: 4466 }], selector: deployment.spec.selector.matchLabels,
    });
  });

  test('runs upstream\'s pinned image in-cluster, as its user 100, without privileges, on a read-only root', () => {
    expect(container.image).toBe(`ghcr.io/headlamp-k8s/headlamp:${HEADLAMP_VERSION}`);
    expect(container.args).toEqual(['-in-cluster', '-plugins-dir=/headlamp/plugins']);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 100,
      runAsGroup: 101,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toEqual([{ name: 'headlamp-tmp', mountPath: '/tmp' }]);
    expect(pod.serviceAccountName).toBe('headlamp');
  });

  test('viewerAccount adds headlamp-viewer bound to the built-in read-only role view, never cluster-admin', () => {
    const objs = setup({ viewerAccount: true }).manifests();
    const binding = find(objs, 'ClusterRoleBinding', 'headlamp-headlamp-viewer');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'headlamp-viewer', namespace: 'headlamp' }]);
    expect(objs.filter((o) => JSON.stringify(o).includes('cluster-admin'))).toEqual([]);
  });

  test('takes another namespace and image', () => {
    const objs = setup({ namespace: 'ui', image: ImageReference.of('registry.test/headlamp:v0.45.0') }).manifests();
    expect(find(objs, 'Deployment', 'headlamp').metadata.namespace).toBe('ui');
    expect(find(objs, 'Deployment', 'headlamp').spec.template.spec.containers[0].image).toBe('registry.test/headlamp:v0.45.0');
  });

  test.each([
    [{ namespace: 'kube-system' }, "[headlamp/Headlamp] 'namespace' must be a namespace of Headlamp's own: the construct creates it"],
    [{ namespace: 'Head Lamp' }, "[headlamp/Headlamp] 'namespace' must be a DNS-1123 label"],
    [{ image: ImageReference.of('ghcr.io/headlamp-k8s/headlamp:latest') }, "[headlamp/Headlamp] 'image' must be an ImageReference with a pinned tag or digest"],
  ] as Array<[HeadlampProps, string]>)('refuses %j', (props, message) => {
    expect(() => setup(props)).toThrow(message);
  });
});
