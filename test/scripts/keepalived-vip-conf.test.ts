import { spawnSync } from 'child_process';
import * as path from 'path';

// scripts/keepalived-vip-conf.sh: keepalived.conf as kube-keepalived-vip 0.35 renders it for one router, which the
// node tier's two routers and `npx projen bench:vip-failover` run with Debian's keepalived.
const render = (...args: string[]) => spawnSync('bash', [path.join(__dirname, '../../scripts/keepalived-vip-conf.sh'), ...args], { encoding: 'utf-8' });
const NODES = '192.168.1.24 192.168.1.20 192.168.1.21 192.168.1.22 192.168.1.23';

describe('scripts/keepalived-vip-conf.sh', () => {
  test("gives each router 100 + its place among the nodes' sorted addresses, as the controller's getNodePriority does", () => {
    const priority = (me: string) => /priority (\d+)/.exec(render('r', 'eth0', '50', me, NODES, '192.168.1.31').stdout)![1];
    expect([priority('192.168.1.20'), priority('192.168.1.24')]).toEqual(['100', '104']);
    // an address that is no node's: position -1
    expect(priority('192.168.1.99')).toBe('99');
  });

  test('writes the VRRP instance with the VIPs, and unicast peers only when asked', () => {
    const multicast = render('node0', 'eth0', '50', '192.168.1.20', NODES, '192.168.1.31 192.168.1.33');
    expect(multicast.status).toBe(0);
    expect(multicast.stdout).toContain('  state BACKUP\n  interface eth0\n  virtual_router_id 50\n  priority 100\n  nopreempt\n  advert_int 1\n');
    expect(multicast.stdout).toContain('  virtual_ipaddress {\n    192.168.1.31\n    192.168.1.33\n  }\n');
    expect(multicast.stdout).not.toContain('unicast');
    const unicast = render('node0', 'eth0', '50', '192.168.1.20', '192.168.1.20 192.168.1.24', '192.168.1.31', 'unicast').stdout;
    expect(unicast).toContain('  unicast_src_ip 192.168.1.20\n  unicast_peer {\n    192.168.1.24\n  }\n');
  });

  test('fails with its usage when arguments are missing', () => {
    const out = render('node0', 'eth0');
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^usage: keepalived-vip-conf.sh ROUTER_ID INTERFACE VRID MY_IP/);
  });
});
