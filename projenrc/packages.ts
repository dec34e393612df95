/**
 * The one list of the monorepo's packages and of the versions everything is built and tested with.
 * .projenrc.ts, the tests and the consumer test all read this module; nothing else keeps a copy.
 */

/** Scope of every package of the monorepo (not ours on the npm registry: never published, never looked up). */
export const SCOPE = '@cdk8s-vserver';

/** Version of every package (semantic: a breaking change before 1.0 bumps the minor). CHANGELOG.md has each one. */
export const PACKAGE_VERSION = '0.14.0';

/** The project's own stack: the apps of this repository run on it. */
export const VERSIONS = {
  /** cdk8s-plus-22's last release crashes on Deployments and DaemonSets with cdk8s 2.65 or newer. */
  cdk8s: '2.64.19',
  cdk8sPlus22: '2.0.0-rc.138',
  constructs: '10.4.2',
  typescript: '5.9.3',
} as const;

/**
 * The newest cdk8s stack the packages are proven with (the consumer test installs them into an app on it).
 * Raise these when a newer release comes out; the consumer test says whether the packages still work.
 */
export const NEWEST_STACK = {
  cdk8s: '2.70.106',
  cdk8sPlus: { name: 'cdk8s-plus-34', version: '2.0.54' },
  constructs: '10.8.1',
} as const;

/**
 * What each package accepts for its peers. The packages use only cdk8s core and their own L1 objects, never
 * cdk8s-plus, so every cdk8s 2 release from the project's own onwards works, with any cdk8s-plus beside it.
 */
export const PEER_RANGES = {
  cdk8s: `^${VERSIONS.cdk8s}`,
  constructs: '^10.1.120',
} as const;

/** One package of the monorepo: packages/<dir>, named `@cdk8s-vserver/<dir>`. */
export interface PackageSpec {
  /** Folder under packages/, also the package name after the scope. */
  readonly dir: string;
  /** One-line description for package.json. */
  readonly description: string;
  /** Other packages of the monorepo (folder names) this one imports. */
  readonly dependsOn: readonly string[];
  /** Packages from npm this one imports at run time, with their exact versions. */
  readonly npmDependencies?: Readonly<Record<string, string>>;
  /** Commands the package installs (`npx <name>`), each a committed file under bin/ that loads lib/. */
  readonly bin?: Readonly<Record<string, string>>;
}

/** Every package, each after the packages it depends on (the build and pack order). */
export const PACKAGES: readonly PackageSpec[] = [
  {
    dir: 'core',
    description: 'The base every cdk8s-vserver construct builds on: typed values (IPv4, node roles, pinned images), require* checks, errors, warnings, app-wide checks, Kubernetes L1 objects',
    dependsOn: [],
  },
  {
    dir: 'storage',
    description: 'NfsFolder: a folder of a NAS of any role (docroot, ACME store, backups, logs) as a static NFS PersistentVolume and the PersistentVolumeClaim bound to it; DocrootBackup',
    dependsOn: ['core'],
  },
  {
    dir: 'web-ssh-server',
    description: 'WebSshServer: httpd and sshd pods sharing one web docroot, with their Service',
    dependsOn: ['core', 'storage'],
  },
  {
    dir: 'vip',
    description: 'Services on virtual IPs of the LAN, held by kube-keepalived-vip, MetalLB (L2) or kube-vip (ARP): KeepalivedVip, MetalLbVip, KubeVip behind one IVipController (one verb: expose), chosen by VipBackend',
    dependsOn: ['core'],
  },
  {
    dir: 'dashboard',
    description: 'KubernetesDashboard (upstream v2.7.0 shape) and Headlamp (its maintained successor)',
    dependsOn: ['core'],
  },
  {
    dir: 'control-plane',
    description: 'ControlPlane: a redundant control plane as kubeadm builds it, three masters behind an API VIP held by keepalived + haproxy or kube-vip, written as the files each node needs (kubeadm configuration, static Pods)',
    dependsOn: ['core', 'vip'],
  },
  {
    dir: 'monitoring',
    description: 'Logs kept per server on the NAS (LogCollector: rsyslog and mtail on every worker), Prometheus scrape targets (PodMonitor and a plain scrape configuration) and alert rules (PrometheusRule and a plain rules file) for a hosting site',
    dependsOn: ['core', 'storage'],
  },
  {
    dir: 'hosting',
    description: 'HostingSite: a whole hosting site from one declaration of cluster facts and a list of virtual servers; the all-or-nothing app synth and the site picture',
    dependsOn: ['core', 'storage', 'web-ssh-server', 'vip', 'dashboard', 'control-plane', 'monitoring'],
  },
  {
    dir: 'operator',
    description: 'The operator CLI (cdk8s-vserver): preflight, diff, deploy (apply + prune), wait, images, uninstall of a synthesized app, reading only its folder (dist/<app>)',
    // the folder and its contract are all it reads: no construct package
    dependsOn: ['core'],
    // it reads the folder's YAML with a YAML parser (the one the tests use)
    npmDependencies: { yaml: '2.8.1' },
    bin: { 'cdk8s-vserver': 'bin/cdk8s-vserver.js' },
  },
];

/** The npm name of the package in packages/<dir>. */
export function packageName(dir: string): string {
  return `${SCOPE}/${dir}`;
}

/** The file `npm pack` writes for the package in packages/<dir> (`cdk8s-vserver-core-0.3.0.tgz`). */
export function tarballName(dir: string): string {
  return `${SCOPE.slice(1)}-${dir}-${PACKAGE_VERSION}.tgz`;
}

/**
 * The line a project that installs the tarballs adds to its .npmrc (README, "Use the constructs in your own
 * project"): the scope resolves to a closed port, so npm can take the packages only from the tarballs given.
 */
export const SAFE_NPMRC_LINE = `${SCOPE}:registry=http://127.0.0.1:9/`;
