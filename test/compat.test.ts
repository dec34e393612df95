import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-22';
import { PACKAGE_VERSION, PACKAGES, PEER_RANGES, SAFE_NPMRC_LINE, tarballName, VERSIONS } from '../projenrc/packages';

// cdk8s-plus-22's last release (2.0.0-rc.138) crashes on every Deployment and DaemonSet with cdk8s 2.65 or
// newer. The apps of this repository keep that stack; these tests fail when someone moves cdk8s past it.
function installedVersion(pkg: string): string {
  const file = require.resolve(`${pkg}/package.json`);
  return JSON.parse(fs.readFileSync(file, 'utf-8')).version;
}

describe('pinned versions', () => {
  test('cdk8s is the 2.64 line that cdk8s-plus-22 works with', () => {
    expect(installedVersion('cdk8s')).toBe(VERSIONS.cdk8s);
    expect(VERSIONS.cdk8s).toMatch(/^2\.64\./);
    expect(installedVersion('cdk8s-plus-22')).toBe(VERSIONS.cdk8sPlus22);
    expect(installedVersion('typescript')).toBe(VERSIONS.typescript);
  });

  test('cdk8s-plus-22 synthesizes a Deployment and a DaemonSet with the installed cdk8s', () => {
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'D', { containers: [{ image: 'httpd:2.4.62' }] });
    new kplus.DaemonSet(chart, 'S', { containers: [{ image: 'httpd:2.4.62' }] });
    expect(Testing.synth(chart).map((m) => m.kind)).toEqual(['Deployment', 'DaemonSet']);
  });
});

describe('the packages', () => {
  const manifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../packages', dir, 'package.json'), 'utf-8'));

  test.each(PACKAGES.map((p) => p.dir))('%s peers on cdk8s core and constructs only, any cdk8s 2 from the pinned one on', (dir) => {
    expect(manifest(dir).peerDependencies).toEqual({ cdk8s: `^${VERSIONS.cdk8s}`, constructs: PEER_RANGES.constructs });
  });

  test.each(PACKAGES.map((p) => p.dir))('%s never imports cdk8s-plus', (dir) => {
    const src = path.join(__dirname, '../packages', dir, 'src');
    const files = (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect({ file, imports: /from 'cdk8s-plus/.test(fs.readFileSync(path.join(src, file), 'utf-8')) }).toEqual({ file, imports: false });
    }
  });

  test.each(PACKAGES.map((p) => p.dir))("%s imports a sibling only by its package name, never another package's files", (dir) => {
    const src = path.join(__dirname, '../packages', dir, 'src');
    for (const file of (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(src, file), 'utf-8');
      const deep = [...text.matchAll(/from '((?:\.\.\/)+[^']*|@cdk8s-vserver\/[^']+\/[^']*)'/g)].map((m) => m[1])
        .filter((spec) => spec.startsWith('@') || path.resolve(path.dirname(path.join(src, file)), spec).indexOf(src) !== 0);
      expect({ file, deep }).toEqual({ file, deep: [] });
    }
  });
});

describe('installing the packages elsewhere', () => {
  const read = (file: string) => fs.readFileSync(path.join(__dirname, '..', file), 'utf-8');

  test("the README's commands are the consumer test's: the closed-scope .npmrc line and the tarballs of this version", () => {
    const readme = read('README.md');
    expect(readme).toContain(`echo '${SAFE_NPMRC_LINE}' >> .npmrc`);
    expect(read('scripts/consumer-test.ts')).toContain('SAFE_NPMRC_LINE');
    expect(readme).toContain(`cdk8s-vserver-*-${PACKAGE_VERSION}.tgz`);
    expect(tarballName('core')).toBe(`cdk8s-vserver-core-${PACKAGE_VERSION}.tgz`);
  });

  test('CHANGELOG.md starts with this version, and every package has it', () => {
    expect(/^## (\S+)$/m.exec(read('CHANGELOG.md'))?.[1]).toBe(PACKAGE_VERSION);
    for (const { dir } of PACKAGES) {
      expect(JSON.parse(read(`packages/${dir}/package.json`)).version).toBe(PACKAGE_VERSION);
    }
  });
});
