import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DIST, objectsIn } from '../support';

// The log collector's image (packages/monitoring/images/log-collector/, scripts/node/build-images.sh) with the lab's
// own ConfigMap, on pod logs written the way the container runtime writes them ("CRI": <time> <stream> <P|F> <text>),
// including a line over 16 KiB that the runtime splits into pieces. The site test (site.test.ts) runs the collector on
// the real workers; lines that long do not come out of a real httpd here (it refuses request lines over 8 KiB).
jest.setTimeout(120_000);

const images = process.env.VSERVER_IMAGES;
if (!images) throw new Error('VSERVER_IMAGES is not set: run the node tier through scripts/run-tier.sh node');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-image-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const config = objectsIn(path.join(DIST, 'lab')).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'log-collector')!;
const folder = (name: string) => { const dir = path.join(tmp, name); fs.mkdirSync(dir, { recursive: true }); return dir; };

/** One round of the image's rsyslog (6 s) over `pods` (a /var/log/pods), writing into a fresh /logs; returns its files. */
function collect(pods: string): Record<string, string> {
  const etc = folder('etc');
  // as written, but for the lab's syslog server (the site test proves that one): no network here, and rsyslog would
  // report every retry to reach it
  for (const [file, text] of Object.entries(config.data as Record<string, string>)) {
    fs.writeFileSync(path.join(etc, file), file === 'rsyslog.conf' ? text.split('\n').filter((l) => !l.includes('type="omfwd"')).join('\n') : text);
  }
  const [logs, state, run] = [folder(`logs-${Date.now()}`), folder(`state-${Date.now()}`), folder(`run-${Date.now()}`)];
  const from = spawnSync('buildah', ['from', '--quiet', `docker-archive:${path.join(images!, 'log-collector', 'image.tar')}`], { encoding: 'utf-8' });
  if (from.status !== 0) throw new Error(`buildah from log-collector: ${from.stderr}`);
  const container = from.stdout.trim();
  try {
    const out = spawnSync('buildah', ['run', '--network', 'none', '--env', 'NODE_NAME=node1',
      '--volume', `${etc}:/etc/log-collector:ro`, '--volume', `${pods}:/var/log/pods:ro`, '--volume', `${logs}:/logs`,
      '--volume', `${state}:/var/lib/rsyslog`, '--volume', `${run}:/run/log-collector`,
      container, '--', 'timeout', '6', '/usr/local/bin/log-collector', 'rsyslog'], { encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
    // ended by the timeout (124), having written what it read
    if (out.status !== 124) throw new Error(`the collector stopped by itself (${out.status}): ${out.stderr}`);
  } finally {
    spawnSync('buildah', ['rm', container]);
  }
  const files: Record<string, string> = {};
  for (const server of fs.readdirSync(logs)) {
    for (const file of fs.readdirSync(path.join(logs, server))) files[`${server}/${file}`] = fs.readFileSync(path.join(logs, server, file), 'utf-8');
  }
  return files;
}

test("a line the runtime split in three pieces is kept whole, once, in myweb's file; a look-alike Deployment's lines nowhere", () => {
  const pods = folder('pods');
  const mine = path.join(pods, 'default_myweb-5d8f7c9b6-x2kqz_0b2c/httpd');
  const twin = path.join(pods, 'default_myweb-twin-5d8f7c9b6-x2kqz_9f1e/httpd');
  fs.mkdirSync(mine, { recursive: true });
  fs.mkdirSync(twin, { recursive: true });
  // 16 KiB pieces, as containerd splits a longer line
  const piece = (c: string) => c.repeat(16 * 1024);
  const at = '2026-12-02T10:00:00.000000001Z';
  fs.writeFileSync(path.join(mine, '0.log'), [
    `${at} stdout F 10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /short HTTP/1.1" 200 5 "-" "curl"`,
    `${at} stdout P ${piece('a')}`,
    `${at} stdout P ${piece('b')}`,
    `${at} stdout F ${piece('c')} "GET /long HTTP/1.1" 200 5`,
    `${at} stderr F [core:error] an error`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(twin, '0.log'), `${at} stdout F "GET /twin HTTP/1.1" 200 5\n`);
  const files = collect(pods);
  const day = new Date().toISOString().slice(0, 10);
  expect(Object.keys(files).sort()).toEqual([`myweb/access-${day}.node1.log`, `myweb/error-${day}.node1.log`]);
  const lines = files[`myweb/access-${day}.node1.log`].split('\n').filter(Boolean);
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/"GET \/short HTTP\/1.1" 200 /);
  // the three pieces, joined in order, without the runtime's prefixes: the negative control is a piece on its own
  expect(lines[1]).toBe(`${piece('a')}${piece('b')}${piece('c')} "GET /long HTTP/1.1" 200 5`);
  expect(lines.some((l) => l === piece('a') || l.startsWith(at))).toBe(false);
  expect(files[`myweb/error-${day}.node1.log`]).toBe('[core:error] an error\n');
  expect(JSON.stringify(files)).not.toContain('/twin');
});
