import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-22';

// cdk8s-plus-22's last release (2.0.0-rc.138) crashes on every Deployment and DaemonSet with cdk8s 2.65 or
// newer. These tests fail when someone moves cdk8s to a version that breaks it.
function installedVersion(pkg: string): string {
  const file = require.resolve(`${pkg}/package.json`);
  return JSON.parse(fs.readFileSync(file, 'utf-8')).version;
}

describe('pinned versions', () => {
  test('cdk8s is the 2.64 line that cdk8s-plus-22 works with', () => {
    expect(installedVersion('cdk8s')).toBe('2.64.19');
    expect(installedVersion('cdk8s-plus-22')).toBe('2.0.0-rc.138');
  });

  test('every package accepts only cdk8s below 2.65 as a peer', () => {
    for (const dir of ['site', 'storage', 'web-ssh-server']) {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../packages', dir, 'package.json'), 'utf-8'));
      expect(pkg.peerDependencies.cdk8s).toBe('>=2.64.19 <2.65.0');
    }
  });

  test('cdk8s-plus-22 synthesizes a Deployment and a DaemonSet with the installed cdk8s', () => {
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'D', { containers: [{ image: 'httpd:2.4.62' }] });
    new kplus.DaemonSet(chart, 'S', { containers: [{ image: 'httpd:2.4.62' }] });
    expect(Testing.synth(chart).map((m) => m.kind)).toEqual(['Deployment', 'DaemonSet']);
  });
});
