import * as fs from 'fs';
import * as path from 'path';
import { DIST, objectsIn } from './support';
import { PACKAGES } from '../projenrc/packages';

// What the docs state about the output and the house (file names, ports, counts, floors) is read back from what the
// synth wrote and from the packages themselves: a fact that drifts fails here, not in a reader's hands.
const repo = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf-8');
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

describe('the README, the front door', () => {
  const readme = read('README.md');

  test('is at most 250 lines, with a table of contents whose every link is a heading of it', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const anchors = new Set(readme.split('\n').filter((l) => /^## /.test(l))
      .map((l) => l.slice(3).toLowerCase().replace(/[`:]/g, '').replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    const toc = [...readme.slice(0, readme.indexOf('## Two commands')).matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(toc.length).toBeGreaterThan(5);
    expect(toc.filter((a) => !anchors.has(a))).toEqual([]);
  });

  test('every file it and the chapters link to exists (negative control: a made-up link is caught)', () => {
    const broken = (file: string, text: string) => [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1])
      .filter((link) => !/^https?:/.test(link) && !fs.existsSync(path.join(repo, path.dirname(file), link)));
    for (const file of ['README.md', ...fs.readdirSync(path.join(repo, 'docs')).map((f) => `docs/${f}`)]) {
      expect({ file, broken: broken(file, read(file)) }).toEqual({ file, broken: [] });
    }
    expect(broken('README.md', 'see [the chapter](docs/nothing.md)')).toEqual(['docs/nothing.md']);
  });

  test('names every package in its table, and the number of tarballs and their names as they are packed', () => {
    for (const { dir } of PACKAGES) expect(readme).toContain(`[\`@cdk8s-vserver/${dir}\`](packages/${dir}/README.md)`);
    expect(readme).toContain(`Build the ${WORDS[PACKAGES.length]} tarballs`);
    expect(/cdk8s-vserver-\{([^}]+)\}-/.exec(readme)?.[1].split(',')).toEqual(PACKAGES.map((p) => p.dir));
  });
});

describe('docs/reference-site.md, against dist/lab', () => {
  const doc = read('docs/reference-site.md');
  const objects = objectsIn(path.join(DIST, 'lab'));
  const web = (kind: string) => objects.find((o) => o.kind === kind && o.metadata.name === 'myweb')!;

  test('lists the files of dist/lab in apply order, and the folders beside them', () => {
    const files = fs.readdirSync(path.join(DIST, 'lab')).filter((f) => f.endsWith('.k8s.yaml')).sort();
    const listed = /Files in `dist\/lab`, in apply order: ([^;]+);/.exec(doc.replace(/\n/g, ' '))?.[1];
    expect([...(listed ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1])).toEqual(files);
    const folders = fs.readdirSync(path.join(DIST, 'lab')).filter((f) => fs.statSync(path.join(DIST, 'lab', f)).isDirectory()).sort();
    for (const folder of folders) expect(doc).toContain(`\`${folder}/\``);
  });

  test('states the Service\'s ports and the containers\' ports as the synth writes them', () => {
    const ports = web('Service').spec.ports.map((p: any) => `\`${p.name}\` ${p.port} -> ${p.targetPort}`);
    const row = doc.split('\n').find((l) => l.startsWith('| Service `myweb`'))!;
    for (const port of ports) expect(row).toContain(port);
    expect(row).toContain(`\`externalIPs: [${web('Service').spec.externalIPs.join(', ')}]\``);
    const deployment = doc.split('\n').find((l) => l.startsWith('| Deployment `myweb`'))!;
    const containers = web('Deployment').spec.template.spec.containers;
    expect(deployment).toContain(`${web('Deployment').spec.replicas} pods`);
    for (const c of containers.filter((x: any) => x.name !== 'exporter')) {
      expect(deployment).toContain(`\`${c.image}\` (port${c.ports.length > 1 ? 's' : ''} ${c.ports.map((p: any) => p.containerPort).join(' and ')})`);
    }
  });
});

describe('docs/architecture.md, against the packages', () => {
  const doc = read('docs/architecture.md');

  test('its table of imports is each package\'s dependencies', () => {
    for (const { dir, dependsOn } of PACKAGES) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${dir} |`));
      expect({ dir, row: row?.split('|')[2].replace(/\(.*\)/, '').trim() }).toEqual({ dir, row: dependsOn.length ? dependsOn.join(', ') : 'nothing' });
    }
  });

  test('no package imports one that is not among its dependencies (so none imports upward, and none forms a cycle)', () => {
    for (const { dir, dependsOn } of PACKAGES) {
      const src = path.join(repo, 'packages', dir, 'src');
      const files = fs.readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
      const imported = new Set(files.flatMap((f) => [...fs.readFileSync(path.join(src, f), 'utf-8').matchAll(/from '@cdk8s-vserver\/([^'/]+)'/g)].map((m) => m[1])));
      expect({ dir, undeclared: [...imported].filter((p) => !dependsOn.includes(p)) }).toEqual({ dir, undeclared: [] });
    }
  });
});
