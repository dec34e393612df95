import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { onHost } from './site-client';
import { Manifest, waitFor } from '../support';

/** The tier's two router nodes (scripts/node/with-site.sh): kube-proxy only, each a VRRP peer. */
export const ROUTERS = { node0: '192.168.1.20', node4: '192.168.1.24' } as const;
export type Router = keyof typeof ROUTERS;
/** Every node of the tier but the master, whose sorted addresses give kube-keepalived-vip's priorities. */
const NODES = [ROUTERS.node0, '192.168.1.21', '192.168.1.22', '192.168.1.23', ROUTERS.node4];

/** What the site's kube-keepalived-vip controller is told: its VRRP id, unicast or not, and the VIPs of its ConfigMap. */
export function keepalivedVipSettings(objects: Manifest[]): { vrid: number; unicast: boolean; vips: string[] } {
  const ds = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.labels?.['app.kubernetes.io/name'] === 'kube-keepalived-vip');
  if (!ds) throw new Error('no kube-keepalived-vip DaemonSet in the site');
  const args: string[] = ds.spec.template.spec.containers[0].args;
  const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const [namespace, name] = arg('services-configmap')!.split('/');
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace);
  if (!configMap) throw new Error(`the controller reads ConfigMap ${namespace}/${name}, which the site does not emit`);
  return { vrid: Number(arg('vrid')), unicast: arg('use-unicast') === 'true', vips: Object.keys(configMap.data).sort() };
}

/** The /32 addresses on a router's LAN interface, as `ip addr` shows them. */
export function addressesOn(router: Router): string[] {
  return [...onHost(router, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout.matchAll(/inet (\S+)\/32/g)].map((m) => m[1]).sort();
}

/**
 * Debian's keepalived on both routers, each with the keepalived.conf kube-keepalived-vip 0.35 renders for it
 * (scripts/keepalived-vip-conf.sh) from the site's controller settings: the VRRP election decides which router holds
 * the VIPs. The controller itself cannot run here (its image is not in Debian, and it programs IPVS, which this
 * kernel lacks); kube-proxy's externalIPs rules forward what reaches the VIPs, as they do beside it on a cluster.
 */
export class Routers {
  public static start(dir: string, settings: { vrid: number; unicast: boolean; vips: string[] }): Routers {
    fs.mkdirSync(dir, { recursive: true });
    const keepalived = ['keepalived', '/usr/sbin/keepalived'].find((k) => spawnSync(k, ['--version']).status === 0);
    if (!keepalived) throw new Error('keepalived is missing: scripts/tier-tools.sh installs it for the cluster and node tiers');
    const script = path.join(__dirname, '../../scripts/keepalived-vip-conf.sh');
    const processes = Object.entries(ROUTERS).map(([router, address]) => {
      const conf = spawnSync('bash', [script, router, 'eth0', String(settings.vrid), address, NODES.join(' '), settings.vips.join(' '),
        settings.unicast ? 'unicast' : 'multicast'], { encoding: 'utf-8' });
      if (conf.status !== 0) throw new Error(`keepalived-vip-conf.sh: ${conf.stderr}`);
      fs.writeFileSync(path.join(dir, `${router}.conf`), conf.stdout);
      const log = fs.openSync(path.join(dir, `${router}.log`), 'w');
      // --namespace: keepalived enters the router's network namespace itself, with pid files of its own there
      return spawn(keepalived, ['--vrrp', '--dont-fork', '--log-console', `--namespace=vsn-${router}`, '-f', path.join(dir, `${router}.conf`)],
        { stdio: ['ignore', log, log] });
    });
    return new Routers(dir, processes, settings.vips);
  }

  private constructor(private readonly dir: string, private readonly processes: ChildProcess[], public readonly vips: string[]) {}

  /** Which router holds each VIP now, seen with `ip addr` on both. */
  public holders(): Record<Router, string[]> {
    return { node0: addressesOn('node0').filter((a) => this.vips.includes(a)), node4: addressesOn('node4').filter((a) => this.vips.includes(a)) };
  }

  /** The one router holding every VIP, once VRRP has elected it (and the other holds none). */
  public async elected(seconds = 30): Promise<Router> {
    return waitFor('one router to hold every VIP', seconds, () => {
      const held = this.holders();
      const holder = (Object.keys(held) as Router[]).find((r) => held[r].length === this.vips.length);
      return holder && Object.values(held).flat().length === this.vips.length ? holder : undefined;
    }, { intervalMs: 200, context: () => this.logs() });
  }

  /**
   * Cuts a router off the LAN at its port of the LAN's bridge (as a dead node or a pulled cable looks to the others:
   * its interface loses carrier, keepalived's tracked interface goes down), or plugs it back in. The router's own
   * interface and routes stay as they were.
   */
  public link(router: Router, up: boolean): void {
    const out = onHost('master', 'ip', ['link', 'set', `lan-${router}`, up ? 'up' : 'down']);
    if (out.status !== 0) throw new Error(`ip link set lan-${router}: ${out.stderr}`);
  }

  public logs(): string {
    return Object.keys(ROUTERS).map((r) => `${r}:\n${fs.readFileSync(path.join(this.dir, `${r}.log`), 'utf-8').split('\n').slice(-8).join('\n')}`).join('\n');
  }

  public async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    })));
  }
}
