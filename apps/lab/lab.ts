import { HostingSite } from '@cdk8s-vserver/hosting';
import { ServerCertificate } from '@cdk8s-vserver/web-ssh-server';
import { App } from 'cdk8s';
import { LAB } from './site';

/** Changes to the reference site, for a rollout or a test. */
export interface LabOptions {
  /**
   * The version (image tag) myweb runs.
   * @default - the declaration's
   */
  readonly mywebVersion?: string;
  /**
   * Where myweb's certificate comes from.
   * @default - the declaration's (the lab's ACME CA)
   */
  readonly certificate?: ServerCertificate;
}

/**
 * Adds the reference site to `app`: four files of dist/lab, numbered in the order `kubectl apply -f dist/lab`
 * needs (kube-keepalived-vip's RBAC and ConfigMap, the docroot, the virtual server, the Dashboard).
 */
export function buildLab(app: App, options: LabOptions = {}): HostingSite {
  const servers = LAB.servers.map((s) => (s.name === 'myweb'
    ? { ...s, version: options.mywebVersion ?? s.version, certificate: options.certificate ?? s.certificate }
    : s));
  return new HostingSite(app, 'Site', { ...LAB, servers });
}
