import { ApiVipHolder } from '@cdk8s-vserver/control-plane';
import { Ipv4Address, Ipv4Subnet, Pushgateway } from '@cdk8s-vserver/core';
import { HostingSiteProps, Tenancy } from '@cdk8s-vserver/hosting';
import { DatabaseVolume } from '@cdk8s-vserver/storage';
import { VipBackend } from '@cdk8s-vserver/vip';
import { Hsts, IssuerKind, PhpVersion, ServerCertificate } from '@cdk8s-vserver/web-ssh-server';
import { Size } from 'cdk8s';

/**
 * A second example: a web agency hosting three customers on its own cluster, each in a namespace of its own (named
 * after the server, created by the site, with Pod Security "restricted" enforced and a quota), on the maintained successors of the report's archived parts: MetalLB (L2) holds the VIPs, announced from
 * two router nodes, and Headlamp replaces the Dashboard. Servers differ in replicas.
 * Every server serves HTTPS: cert-manager issues the certificates from the agency's ClusterIssuer `letsencrypt`, and
 * the shop, which bought its certificate elsewhere, serves it from a Secret, with HSTS. The bakery runs WordPress: PHP 8.4
 * beside httpd, pretty links, a database on the site's MariaDB, and WordPress's scheduled tasks as a cron job instead of
 * on visitors' requests. All three are behind one address, the agency's shared entry (10.20.30.10): HTTPS routed by
 * the name the browser asks for and passed through to each server's own TLS, HTTP by the Host header, SSH on a port
 * per customer.
 */
export const AGENCY: HostingSiteProps = {
  name: 'agency',
  facts: {
    lanSubnet: Ipv4Subnet.of('10.20.30.0/24'),
    registry: 'registry.agency.test:5000/web',
    nas: { host: 'nas.agency.test', exportRoot: '/export/sites', mountOptions: ['nfsvers=4.1', 'hard'] },
    tenancy: Tenancy.NAMESPACE_PER_SERVER,
    vipBackend: VipBackend.metalLb({ name: 'agency-vips' }),
    routers: ['edge1', 'edge2'],
    // acme's 3 replicas and a rolling update's one more pod, each on a worker of its own
    workers: ['web1', 'web2', 'web3', 'web4'],
    headlamp: { address: Ipv4Address.of('10.20.30.5'), viewerAccount: true },
    certificate: ServerCertificate.certManager({ issuer: 'letsencrypt', issuerKind: IssuerKind.CLUSTER_ISSUER }),
    // three control-plane nodes behind the API VIP 10.20.30.2, held by kube-vip (ARP, leader election)
    controlPlane: {
      nodes: [
        { name: 'cp1', address: Ipv4Address.of('10.20.30.21') },
        { name: 'cp2', address: Ipv4Address.of('10.20.30.22') },
        { name: 'cp3', address: Ipv4Address.of('10.20.30.23') },
      ],
      apiAddress: Ipv4Address.of('10.20.30.2'),
      apiVipHolder: ApiVipHolder.kubeVip({ interface: 'ens192' }),
      kubernetesVersion: 'v1.34.1',
      podSubnet: Ipv4Subnet.of('10.244.0.0/16'),
    },
    // every server's logs kept 90 days on the NAS, beside the sites
    logs: { exportPath: '/export/logs', version: 'v1', retentionDays: 90 },
    // metrics and alerts for kube-prometheus-stack: PodMonitors and a PrometheusRule its Prometheus selects, and the
    // certificates probed by its blackbox exporter
    monitoring: {
      prometheusOperator: true,
      operatorLabels: { release: 'kube-prometheus-stack' },
      blackboxExporter: 'blackbox-exporter.monitoring.svc:9115',
      // each backup's, prune's and drill's result, for an alert at once when one fails (the prometheus-pushgateway
      // chart's release "prometheus-pushgateway", its ServiceMonitor with honorLabels)
      pushgateway: Pushgateway.inCluster({
        url: 'http://prometheus-pushgateway.monitoring.svc:9091',
        podLabels: { 'app.kubernetes.io/name': 'prometheus-pushgateway' },
        namespace: 'monitoring',
      }),
    },
    // every docroot backed up nightly with restic to the backup NAS (a second box: one NAS lost keeps the other), and
    // the bakery's database dumped into the same repository; each backup checked, drilled weekly
    backup: { host: 'backup-nas.agency.test', exportRoot: '/export/backups' },
    // the customers' MariaDB, its data on a disk of web1 (InnoDB wants local or block storage, not the NAS)
    database: { volume: DatabaseVolume.local({ node: 'web1', path: '/srv/mariadb', size: Size.gibibytes(20) }), version: 'v1' },
    // one address for every customer: haproxy on both routers (10.20.30.10 is in DNS for every customer's names)
    entry: { address: Ipv4Address.of('10.20.30.10'), version: 'v1' },
  },
  servers: [
    {
      name: 'acme',
      // behind the entry: its names lead to it, and `ssh -p 2201 web@10.20.30.10` to its sshd
      entry: { sshPort: 2201 },
      version: 'v1',
      replicas: 3,
      hostnames: ['www.acme.example', 'acme.example'],
      // room for one more pod than its replicas and the rollout's (a debug pod, say)
      quota: { pods: 5, limitsMemory: '3Gi' },
    },
    {
      name: 'bakery',
      entry: { sshPort: 2202 },
      version: 'v1',
      hostnames: ['bakery.example'],
      // WordPress: its pretty links, photo uploads up to 64 MiB, the bakery's own time zone
      php: { version: PhpVersion.V8_4, frontController: true, uploadMaxSize: Size.mebibytes(64), timezone: 'Europe/Berlin' },
      // WordPress's scheduled tasks every 15 minutes (with DISABLE_WP_CRON in wp-config.php, no visitor waits for them)
      cron: [{ name: 'wp-cron', schedule: '*/15 * * * *', command: 'php wp-cron.php' }],
      // its database on the site's MariaDB: DB_HOST, DB_NAME, DB_USER and DB_PASSWORD for wp-config.php
      database: true,
    },
    {
      name: 'shop',
      entry: { sshPort: 2203 },
      version: 'v2',
      replicas: 2,
      hostnames: ['shop.example'],
      certificate: ServerCertificate.fromSecret('shop-tls-bought'),
      // shop.example and every name under it serve HTTPS only: the header the browsers' preload list asks for
      hsts: Hsts.preloadReady(),
    },
  ],
};
