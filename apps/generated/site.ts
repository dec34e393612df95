import { ImageReference, Ipv4Address, Ipv4Subnet } from '@cdk8s-vserver/core';
import { NfsFolder } from '@cdk8s-vserver/storage';
import { KeepalivedVip, SharedEntry } from '@cdk8s-vserver/vip';
import { APP_NAME, PROXY_HTTP_PORT, WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { App, Chart } from 'cdk8s';

/** The LAN of generated sites: a /16 holds up to 65,000 VIPs. */
export const GENERATED_LAN = Ipv4Subnet.of('10.20.0.0/16');

/** The VIP of the i-th generated server (0-based): 10.20.<hi>.<lo>, skipping network and broadcast. */
export function generatedVip(i: number): Ipv4Address {
  const host = i + 10;
  return Ipv4Address.of(`10.20.${Math.floor(host / 250)}.${(host % 250) + 2}`);
}

/** The VIP of a generated site's shared entry: the first host address of the LAN, which no server's VIP takes. */
export const GENERATED_ENTRY_VIP = Ipv4Address.of('10.20.0.1');

/**
 * A site of `servers` virtual servers, each with its own NFS docroot (PV + PVC), Deployment and Service, for
 * benchmarks: how synth time and memory grow with the size of a site. Each server has a VIP of its own, or, with
 * `entry`, all are behind one shared entry on one VIP (a hostname `<name>.example` and an SSH port each).
 */
export function buildGeneratedSite(app: App, servers: number, options: { entry?: boolean } = {}): SharedEntry | undefined {
  const keepalived = new Chart(app, 'keepalived', { namespace: 'kube-system', disableResourceNameHashes: true });
  const vip = new KeepalivedVip(keepalived, 'KeepalivedVip', { lanSubnet: GENERATED_LAN });
  const entryChart = options.entry ? new Chart(app, 'entry', { namespace: 'kube-system', disableResourceNameHashes: true }) : undefined;
  const entry = entryChart ? new SharedEntry(entryChart, 'Entry', { name: 'entry', image: ImageReference.of('master.test:5000/myrepo/entry:v1') }) : undefined;
  if (entry) vip.expose(entry.service, GENERATED_ENTRY_VIP, { keepClientAddress: true });
  const web = new Chart(app, 'servers', { namespace: 'default', disableResourceNameHashes: true });
  web.addDependency(keepalived);
  const httpd = ImageReference.of('master.test:5000/myrepo/httpd:v1');
  const sshd = ImageReference.of('master.test:5000/myrepo/sshd:v1');
  for (let i = 0; i < servers; i++) {
    const name = `web${String(i).padStart(4, '0')}`;
    const docroot = new NfsFolder(web, `${name}-docroot`, { host: 'nas.test', path: `/export/web/${name}`, claimName: `${name}-docroot` });
    // behind the entry, each Service has a fixed cluster IP: the entry reaches 1,000 servers with no DNS lookup
    const clusterIp = entry ? Ipv4Address.of(`10.96.${4 + Math.floor(i / 250)}.${(i % 250) + 2}`) : undefined;
    const binding = entry?.addServer(web, `servers[${i}].entry`, {
      name,
      namespace: 'default',
      hostnames: [`${name}.example`],
      httpProxyPort: PROXY_HTTP_PORT,
      sshPort: 10000 + i,
      sshServicePort: 2222,
      sshTargetPort: 2222,
      podLabels: { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/instance': name },
      clusterIp: clusterIp?.text,
    });
    const server = new WebSshServer(web, name, {
      name, httpdImage: httpd, sshdImage: sshd, docroot, sshServicePort: 2222, entry: binding, clusterIp,
    });
    if (!entry) vip.expose(server.service, generatedVip(i));
  }
  return entry;
}
