import { ImageReference, Ipv4Address, Ipv4Subnet } from '@cdk8s-vserver/core';
import { NfsFolder } from '@cdk8s-vserver/storage';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart } from 'cdk8s';

/** The LAN of generated sites: a /16 holds up to 65,000 VIPs. */
export const GENERATED_LAN = Ipv4Subnet.of('10.20.0.0/16');

/** The VIP of the i-th generated server (0-based): 10.20.<hi>.<lo>, skipping network and broadcast. */
export function generatedVip(i: number): Ipv4Address {
  const host = i + 10;
  return Ipv4Address.of(`10.20.${Math.floor(host / 250)}.${(host % 250) + 2}`);
}

/**
 * A site of `servers` virtual servers, each with its own NFS docroot (PV + PVC), Deployment, Service and VIP
 * entry, for benchmarks: how synth time and memory grow with the size of a site.
 */
export function buildGeneratedSite(app: App, servers: number): void {
  const keepalived = new Chart(app, 'keepalived', { namespace: 'kube-system', disableResourceNameHashes: true });
  const vip = new KeepalivedVip(keepalived, 'KeepalivedVip', { lanSubnet: GENERATED_LAN });
  const web = new Chart(app, 'servers', { namespace: 'default', disableResourceNameHashes: true });
  web.addDependency(keepalived);
  const httpd = ImageReference.of('master.test:5000/myrepo/httpd:v1');
  const sshd = ImageReference.of('master.test:5000/myrepo/sshd:v1');
  for (let i = 0; i < servers; i++) {
    const name = `web${String(i).padStart(4, '0')}`;
    const docroot = new NfsFolder(web, `${name}-docroot`, { host: 'nas.test', path: `/export/web/${name}`, claimName: `${name}-docroot` });
    const server = new WebSshServer(web, name, { name, httpdImage: httpd, sshdImage: sshd, docroot, sshServicePort: 2222 });
    vip.expose(server.service, generatedVip(i));
  }
}
