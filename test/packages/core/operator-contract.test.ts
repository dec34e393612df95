import { ImageReference, ImageSource, mirrorCommand, OperatorContract } from '@cdk8s-vserver/core';
import { Chart, Testing } from 'cdk8s';

describe('OperatorContract: what the constructs tell the operator', () => {
  const secret = { namespace: 'web', name: 'shop-tls', what: 'the HTTPS certificate and key of server shop', command: 'kubectl create secret tls shop-tls ...' };

  test('one per app: every construct of the app records into the same contract', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    expect(OperatorContract.of(a)).toBe(OperatorContract.of(b));
    expect(OperatorContract.of(Testing.app())).not.toBe(OperatorContract.of(a));
  });

  test('renders what was recorded, each list sorted, the site and kinds as given', () => {
    const chart = Testing.chart();
    const contract = OperatorContract.of(chart)
      .needsSecret(chart, { ...secret, name: 'z-keys' })
      .needsSecret(chart, secret)
      .needsConfigMap(chart, { namespace: 'web', name: 'acme-ca', what: 'a CA', command: 'kubectl create configmap acme-ca ...' })
      .pullsImage(ImageReference.of('registry.test/web/sshd:v1'), ImageSource.build('packages/web-ssh-server/images/sshd'))
      .pullsImage(ImageReference.of('kubernetesui/dashboard:v2.7.0'))
      .installHint({ apiGroup: 'metallb.io', namespace: 'metallb-system', install: 'Install MetalLB first' })
      .controlPlaneEndpoint('192.168.1.30:8443', 'control-plane/kubeadm-config.yaml');
    expect(contract.render([{ apiVersion: 'v1', kind: 'Service', namespaced: true }], 'lab')).toEqual({
      version: 1,
      site: 'lab',
      kinds: [{ apiVersion: 'v1', kind: 'Service', namespaced: true }],
      secrets: [secret, { ...secret, name: 'z-keys' }],
      configMaps: [{ namespace: 'web', name: 'acme-ca', what: 'a CA', command: 'kubectl create configmap acme-ca ...' }],
      images: [
        { image: 'kubernetesui/dashboard:v2.7.0', method: 'pull', from: 'kubernetesui/dashboard:v2.7.0' },
        { image: 'registry.test/web/sshd:v1', method: 'build', from: 'packages/web-ssh-server/images/sshd' },
      ],
      installs: [{ apiGroup: 'metallb.io', namespace: 'metallb-system', install: 'Install MetalLB first' }],
      controlPlane: { endpoint: '192.168.1.30:8443', file: 'control-plane/kubeadm-config.yaml' },
    });
    const empty = OperatorContract.of(Testing.chart()).render([], undefined);
    expect(empty).toEqual({ version: 1, kinds: [], secrets: [], configMaps: [], images: [], installs: [] });
  });

  test('an image built here stays built here, whichever construct records it first (a backup pulls the sshd image as is)', () => {
    const sshd = ImageReference.of('registry.test/web/sshd:v1');
    for (const order of [[undefined, ImageSource.build('sshd')], [ImageSource.build('sshd'), undefined]]) {
      const chart = Testing.chart();
      for (const source of order) OperatorContract.of(chart).pullsImage(sshd, source);
      expect(OperatorContract.of(chart).render([], undefined).images).toEqual([{ image: sshd.reference, method: 'build', from: 'sshd' }]);
    }
  });

  test('an upstream image is pulled as is, a mirror of it copied from upstream', () => {
    const chart = Testing.chart();
    const upstream = ImageReference.of('aledbf/kube-keepalived-vip:0.35');
    OperatorContract.of(chart).pullsCopyOf(upstream, upstream).pullsCopyOf(ImageReference.of('registry.test/web/kube-keepalived-vip:0.35'), upstream);
    const images = OperatorContract.of(chart).render([], undefined).images;
    expect(images.map(mirrorCommand)).toEqual([
      '# aledbf/kube-keepalived-vip:0.35: the nodes pull it from its own registry (docker.io); mirror it into yours and name the copy in the site if they cannot reach it',
      'skopeo copy docker://aledbf/kube-keepalived-vip:0.35 docker://registry.test/web/kube-keepalived-vip:0.35',
    ]);
    expect(mirrorCommand({ image: 'registry.test/web/httpd:v1', method: 'build', from: 'packages/web-ssh-server/images/httpd' }))
      .toBe('buildah bud -t registry.test/web/httpd:v1 packages/web-ssh-server/images/httpd && buildah push registry.test/web/httpd:v1');
  });

  test('the same Secret needed twice as the same thing is recorded once; by two servers, both are named', () => {
    const chart = Testing.chart();
    OperatorContract.of(chart).needsSecret(chart, secret).needsSecret(chart, secret);
    expect(OperatorContract.of(chart).render([], undefined).secrets).toEqual([secret]);
    OperatorContract.of(chart).needsSecret(chart, { ...secret, what: 'the HTTPS certificate and key of server blog' }).needsSecret(chart, secret);
    expect(OperatorContract.of(chart).render([], undefined).secrets).toEqual([
      { ...secret, what: 'the HTTPS certificate and key of server shop; the HTTPS certificate and key of server blog' },
    ]);
  });

  test('throws when one Secret (or ConfigMap) is needed made two ways, naming both constructs', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    OperatorContract.of(a).needsSecret(a, secret);
    expect(() => OperatorContract.of(b).needsSecret(b, { ...secret, what: 'the SSH host keys of server shop', command: 'ssh-keygen ...' })).toThrow(
      '[b] needs Secret web/shop-tls as the SSH host keys of server shop, which [a] needs as the HTTPS certificate and key of server shop: '
      + 'one Secret cannot be made both ways; give one of them another name');
    OperatorContract.of(a).needsConfigMap(a, { ...secret, what: 'a CA' });
    expect(() => OperatorContract.of(b).needsConfigMap(b, { ...secret, what: 'another CA', command: 'other' }))
      .toThrow(/^\[b\] needs ConfigMap web\/shop-tls as another CA, which \[a\] needs as a CA/);
  });
});
