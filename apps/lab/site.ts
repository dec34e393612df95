import { ApiVipHolder } from '@cdk8s-vserver/control-plane';
import { Ipv4Address, Ipv4Subnet, Pushgateway } from '@cdk8s-vserver/core';
import { HostingSiteProps } from '@cdk8s-vserver/hosting';
import { VipBackend } from '@cdk8s-vserver/vip';
import { Hsts, MetricsScraper, ServerCertificate } from '@cdk8s-vserver/web-ssh-server';
import { Duration } from 'cdk8s';

/**
 * The reference site, as the report built it: the cluster's facts and its one virtual server, `myweb`.
 * Adding a server is one more entry in `servers`.
 */
export const LAB: HostingSiteProps = {
  name: 'lab',
  facts: {
    lanSubnet: Ipv4Subnet.of('192.168.1.0/24'),
    registry: 'master.test:5000/myrepo',
    nas: { host: 'nas.test', exportRoot: '/export/web', mountOptions: ['nfsvers=4.1', 'hard'] },
    namespace: 'default',
    // the report's three workers (node0 is the router): myweb's 2 replicas and a rollout's one more pod
    workers: ['node1', 'node2', 'node3'],
    // the report's VIP controller: upstream's last kube-keepalived-vip image (0.35), mirrored into the site's registry
    vipBackend: VipBackend.keepalivedVip({ configMapName: 'vip-configmap' }),
    dashboard: { address: Ipv4Address.of('192.168.1.33') },
    // the report's future work: each docroot backed up nightly with restic to the NAS's backup export, each backup
    // checked, a restore drill weekly (7 daily, 4 weekly, 6 monthly kept)
    backup: { exportRoot: '/export/backup' },
    // the report's future work, how to collect and keep the logs: each server's access, error and sshd logs as daily
    // files on the NAS (/export/logs/<server>/), kept 30 days, and the same lines to the lab's syslog server on the master
    logs: { exportPath: '/export/logs', version: 'v1', forward: { address: Ipv4Address.of('192.168.1.10'), port: 1514 } },
    // metrics and alerts for a Prometheus without the operator: dist/lab/monitoring/ has its scrape configuration
    // and rules file, for the lab's Prometheus on the master (the only peer that reaches the servers' exporters); a
    // server with no ready pod for 30 s is an alert (a rollout keeps every pod ready until its
    // successor is: it never fires one); each backup's, prune's and drill's result pushed to the Pushgateway beside
    // that Prometheus, so a failed one is an alert at once
    monitoring: {
      serverDownSeconds: 30,
      scrapers: [MetricsScraper.from(Ipv4Subnet.of('192.168.1.10/32'))],
      pushgateway: Pushgateway.at('http://192.168.1.10:9091'),
    },
    // HTTPS, the normal case in 2026: certificates from the lab's own ACME CA on the master (its directory's HTTPS
    // certificate is signed by the CA in the ConfigMap lab-acme-ca); a public site leaves out `directory` (Let's Encrypt)
    certificate: ServerCertificate.acme({
      contactEmail: 'webmaster@master.test',
      directory: 'https://192.168.1.10:14000/dir',
      directoryCaConfigMap: 'lab-acme-ca',
    }),
    // the report's future work: the master made redundant. The report's master and two more behind the API VIP
    // 192.168.1.30, held by keepalived and balanced by haproxy (kubeadm's high-availability guide): the synth writes
    // dist/lab/control-plane/ (docs/control-plane.md)
    controlPlane: {
      nodes: [
        { name: 'master1', address: Ipv4Address.of('192.168.1.10') },
        { name: 'master2', address: Ipv4Address.of('192.168.1.11') },
        { name: 'master3', address: Ipv4Address.of('192.168.1.12') },
      ],
      apiAddress: Ipv4Address.of('192.168.1.30'),
      apiVipHolder: ApiVipHolder.keepalivedHaproxy({ interface: 'eth0' }),
      kubernetesVersion: 'v1.34.1',
    },
  },
  servers: [
    // the report's names for its volume and claim
    {
      name: 'myweb',
      address: Ipv4Address.of('192.168.1.31'),
      version: 'v1',
      replicas: 2,
      docroot: { volumeName: 'vol1', claimName: 'docroot' },
      // its DNS names, pointing at 192.168.1.31: served over HTTPS, with a certificate for both
      hostnames: ['www.myweb.test', 'myweb.test'],
      // browsers that saw it use HTTPS only, for a year
      hsts: Hsts.maxAge(Duration.days(365)),
    },
  ],
};
