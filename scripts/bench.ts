/**
 * Benchmarks: how long a synth and the fast test tiers take, and how synth time and memory grow with the
 * number of virtual servers. Prints a markdown table (medians of RUNS runs) with each figure's ratio to two
 * floors: `node -e ''` (starting Node) and `kubectl kustomize` over the same YAML; `npx projen synth` also beside
 * `npx projen noop`, projen's own start.
 *
 *   npx projen bench            (RUNS=5 by default; BENCH_SIZES=1,10,100,1000; kustomize floors up to
 *                                BENCH_KUSTOMIZE_MAX=1000 servers: at 1,000 kustomize takes minutes)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.join(__dirname, '..');
const RUNS = Number(process.env.RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '1,10,100,1000').split(',').map(Number);
const KUSTOMIZE_MAX = Number(process.env.BENCH_KUSTOMIZE_MAX ?? 1000);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vserver-bench-'));

interface Figure { seconds: number; peakMiB: number }

/** Runs `command` RUNS times under /usr/bin/time -v; returns the median wall time and the median peak RSS. */
function measure(command: string, runs = RUNS): Figure {
  const seconds: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync('/usr/bin/time', ['-v', 'bash', '-c', command], { cwd: repo, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
    if (out.status !== 0) throw new Error(`'${command}' failed:\n${out.stdout}\n${out.stderr.slice(-2000)}`);
    const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(out.stderr)!;
    seconds.push(Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]));
    peaks.push(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(out.stderr)![1]) / 1024);
  }
  return { seconds: median(seconds), peakMiB: median(peaks) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A folder with a kustomization.yaml that lists the YAML files of `dir`, for the kustomize floor. */
function kustomizeFolder(dir: string): string {
  const k = fs.mkdtempSync(path.join(tmp, 'kustomize-'));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) fs.copyFileSync(path.join(dir, f), path.join(k, f));
  fs.writeFileSync(path.join(k, 'kustomization.yaml'), `resources:\n${files.map((f) => `  - ${f}`).join('\n')}\n`);
  return k;
}

function row(what: string, f: Figure, node: Figure, kustomize?: Figure, target?: string): string {
  const ratio = (x: number, floor?: number) => (floor ? `${(x / floor).toFixed(x / floor < 0.1 ? 3 : 1)}×` : '–');
  return `| ${what} | ${f.seconds.toFixed(2)} | ${f.peakMiB.toFixed(0)} | ${ratio(f.seconds, node.seconds)} | ${ratio(f.seconds, kustomize?.seconds)} | ${target ?? ''} |`;
}

function main(): void {
  if (!fs.existsSync('/usr/bin/time')) {
    spawnSync('bash', ['-c', 'apt-get install -y -qq time >/dev/null'], { stdio: 'inherit' });
  }
  // Everything is measured warm: compile once, synth once.
  measure('npx projen compile >/dev/null', 1);
  const node = measure("node -e ''");
  const labKustomize = measure(`kubectl kustomize ${kustomizeFolder(path.join(repo, 'dist/lab'))} >/dev/null`);
  const rows: string[] = [];
  rows.push(row("`node -e ''` (floor)", node, node));
  rows.push(row('`kubectl kustomize` of dist/lab (floor)', labKustomize, node, labKustomize));
  const noop = measure('npx projen noop >/dev/null');
  const projenSynth = measure('npx projen synth >/dev/null');
  rows.push(row('`npx projen noop` (floor: projen\'s own start)', noop, node));
  rows.push(row('`npx projen synth` (every app, end to end, warm)', projenSynth, node, labKustomize,
    `≤ noop + 0.3 s: ${projenSynth.seconds <= noop.seconds + 0.3 ? 'met' : 'missed'} (noop + ${(projenSynth.seconds - noop.seconds).toFixed(2)} s)`));
  rows.push(row('the synth step alone, every app (`node lib/synth.js lab agency`)', measure('node lib/synth.js lab agency >/dev/null'), node, labKustomize));
  rows.push(row('synth step alone (`node lib/lab/main.js`)', measure('node lib/lab/main.js >/dev/null'), node, labKustomize, '≤ 0.3 s'));
  rows.push(row('unit + snapshot + schema tests', measure('npx jest --ci >/dev/null 2>&1 && bash scripts/run-tier.sh schema >/dev/null 2>&1'), node, labKustomize, '≤ 20 s'));
  for (const n of SIZES) {
    const out = path.join(tmp, `site-${n}`);
    const synth = measure(`node lib/generated/main.js ${n} ${out} >/dev/null`);
    const kustomize = n <= KUSTOMIZE_MAX ? measure(`kubectl kustomize ${kustomizeFolder(out)} >/dev/null`) : undefined;
    const label = `${n} server${n === 1 ? '' : 's'}`;
    rows.push(row(`synth of a generated site, ${label}`, synth, node, kustomize, n === 1000 ? '≤ 2 s, ≤ 300 MiB' : ''));
    if (kustomize) rows.push(row(`\`kubectl kustomize\` of that site's YAML (floor), ${label}`, kustomize, node, kustomize));
  }
  // the same 1,000 servers behind one shared entry: one VIP, one haproxy configuration of 1,000 backends
  const entrySite = measure(`node lib/generated/main.js 1000 ${path.join(tmp, 'site-1000-entry')} entry >/dev/null`);
  rows.push(row('synth of a generated site, 1000 servers behind one shared entry', entrySite, node, undefined, '≤ 2 s, ≤ 300 MiB'));
  console.log(`Machine: ${os.cpus().length} cores (${os.cpus()[0].model}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; medians of ${RUNS} runs.\n`);
  console.log('| what | wall s | peak MiB | × node | × kustomize | target |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) console.log(r);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main();
