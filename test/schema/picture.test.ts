import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DIAGRAM_FILE } from '@cdk8s-vserver/hosting';
import { VIP_ADDRESS_ANNOTATIONS } from '@cdk8s-vserver/vip';
import { DIST, distApps, objectsIn } from '../support';

// Each app's picture, rendered by the real Graphviz (Debian's graphviz, which the tier installs): the DOT the synth
// writes must be what `dot -Tsvg dist/<app>/site.dot > site.svg`, as the README says, turns into a picture.
const render = (source: string) => spawnSync('dot', ['-Tsvg'], { input: source, encoding: 'utf-8' });

test.each(distApps())('dist/%s/site.dot renders to an SVG that shows every VIP, Deployment and claim of the app, and the legend', (app) => {
  const out = render(fs.readFileSync(path.join(DIST, app, DIAGRAM_FILE), 'utf-8'));
  expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
  expect(out.stdout).toMatch(/<svg [^>]*>/);
  const objects = objectsIn(path.join(DIST, app));
  const labels = [
    ...objects.filter((o) => o.kind === 'Service').flatMap((o) => [
      ...(o as any).spec.externalIPs ?? [],
      ...VIP_ADDRESS_ANNOTATIONS.flatMap((key) => (o.metadata.annotations?.[key] ? [o.metadata.annotations[key]] : [])),
    ]).map((address) => `VIP ${address}`),
    ...objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => `PVC ${o.metadata.namespace}/${o.metadata.name}`),
    ...objects.filter((o) => o.kind === 'Deployment').map((o) => `Deployment ${o.metadata.namespace}/${o.metadata.name}`),
    'legend',
  ];
  // the SVG's text, with the entities Graphviz writes ('-' as &#45;) decoded
  const text = out.stdout.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  for (const label of labels) expect(text).toContain(`>${label}`);
});

test('Graphviz refuses a broken picture (negative control of the renders above)', () => {
  const out = render('digraph site { "a" -> ; }');
  expect(out.status).not.toBe(0);
  expect(out.stderr).toMatch(/syntax error/);
});
