import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from '@cdk8s-vserver/control-plane';
import {
  AppChecks, ContractFile, CONTRACT_FILE, EmittedKind, formatKinds, KINDS_FILE, NodeFiles, OperatorContract, SiteError, Warnings,
} from '@cdk8s-vserver/core';
import { App } from 'cdk8s';
import { siteDiagram } from './diagram';

/** One file an app synthesized. */
export interface SynthesizedFile {
  /** Path relative to the app's output folder (`0000-storage.k8s.yaml`). */
  readonly file: string;
  /** Objects per kind, in the order kinds first appear (`{ PersistentVolume: 1, PersistentVolumeClaim: 1 }`). */
  readonly kinds: Record<string, number>;
  /** Each object's kind, in the file's order. */
  readonly emitted: EmittedKind[];
  /** The values of the `app.kubernetes.io/part-of` label its objects carry. */
  readonly sites: string[];
}

/** The diagram file `synthApp` writes beside the manifests (`kubectl apply -f` reads only .yaml/.yml/.json). */
export const DIAGRAM_FILE = 'site.dot';

/** Options of {@link synthApp}. */
export interface SynthAppOptions {
  /**
   * Also write a picture of the site, `site.dot` (Graphviz DOT source), from the manifests written: VIPs, Services,
   * workloads by node role, claims, volumes, NFS exports, the VIPs' holders and the backup jobs, with a title and a
   * legend. `dot -Tsvg dist/<app>/site.dot > site.svg` renders it.
   * @default false
   */
  readonly diagram?: boolean | undefined;
}

/** What `synthApp` did. */
export interface SynthResult {
  /** The folder that now holds the app's manifests. */
  readonly outdir: string;
  /** The picture of the site (`<outdir>/site.dot`), when it was asked for. */
  readonly diagram?: string | undefined;
  /** Every file written, in apply order. */
  readonly files: SynthesizedFile[];
  /** Every synth-time warning, `[construct path] message`. */
  readonly warnings: string[];
  /** The files for nodes (`NodeFiles`: a redundant control plane's), relative to `outdir`, sorted. */
  readonly nodeFiles: string[];
  /** What the synth told the operator CLI (written as `<outdir>/operator/contract.json`). */
  readonly contract?: ContractFile | undefined;
}

/**
 * Synthesizes an app into `outdir` all or nothing.
 *
 * The app is built and synthesized into a temporary sibling folder; only when every construct validated and
 * every file was written does that folder replace `outdir`. A failed synth (a thrown error, a failed
 * validation) removes the temporary folder and leaves the previous `outdir` untouched. Stale files of an
 * earlier synth never survive, because the whole folder is replaced (`App.synth()` alone never cleans up).
 *
 * @param outdir the app's output folder (`dist/lab`)
 * @param build adds the app's charts to the given App
 */
export function synthApp(outdir: string, build: (app: App) => void, options: SynthAppOptions = {}): SynthResult {
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  // a folder of this run's own, made as any folder the user makes (mkdtemp's would be 0700, and become dist/<app>)
  const staging = path.join(parent, `.${path.basename(target)}.synth-${process.pid}-${Date.now().toString(36)}`);
  fs.mkdirSync(staging);
  const retired = `${staging}.old`;
  try {
    const app = new App({ outdir: staging });
    // synthApp returns the warnings (and the app's main prints them): the app's validation need not print them too.
    AppChecks.of(app).leaveWarningsToCaller();
    build(app);
    app.synth();
    const files = fs.readdirSync(staging).filter((f) => f.endsWith('.yaml')).sort()
      .map((file) => ({ file, ...scanManifests(fs.readFileSync(path.join(staging, file), 'utf-8')) }));
    if (files.length === 0) {
      throw new Error(`synthApp(${outdir}): the app has no chart, so it wrote no manifest`);
    }
    if (options.diagram) {
      // Each chart's objects as it just wrote them (a chart's toJson is its file's content), in file order: cheaper than
      // reading the files back as YAML (and cdk8s's Yaml.load starts a child process per file).
      const charts = new Map(app.charts.map((chart) => [chart.node.id, chart]));
      const objects = files.flatMap(({ file }) => charts.get(file.replace(/^\d+-/, '').replace(/\.k8s\.yaml$/, ''))?.toJson() ?? []);
      const controlPlane = app.node.findAll().find((c) => ControlPlane.isControlPlane(c)) as ControlPlane | undefined;
      fs.writeFileSync(path.join(staging, DIAGRAM_FILE), siteDiagram(objects, undefined, controlPlane && {
        endpoint: controlPlane.endpoint,
        holder: controlPlane.apiVipHolder.kind,
        nodes: controlPlane.nodes.map((n) => ({ name: n.name, address: n.address.text })),
      }));
    }
    const kinds = uniqueKinds(files.flatMap((f) => f.emitted));
    fs.writeFileSync(path.join(staging, KINDS_FILE), formatKinds(kinds));
    const nodeFiles = NodeFiles.of(app).writeTo(staging);
    // after the node files: rendering them tells the contract the images the nodes pull
    const contract = path.join(staging, ...CONTRACT_FILE.split('/'));
    fs.mkdirSync(path.dirname(contract), { recursive: true });
    const told = OperatorContract.of(app).render(kinds, siteOf(outdir, files));
    fs.writeFileSync(contract, `${JSON.stringify(told, undefined, 2)}\n`);
    const warnings = Warnings.collect(app);
    if (fs.existsSync(target)) fs.renameSync(target, retired);
    fs.renameSync(staging, target);
    fs.rmSync(retired, { recursive: true, force: true });
    return { outdir: target, files, warnings, nodeFiles, contract: told, ...(options.diagram ? { diagram: path.join(target, DIAGRAM_FILE) } : {}) };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Formats a synth result as one line per file and one per warning, for the console. */
export function formatSynthResult(result: SynthResult, relativeTo = process.cwd()): string[] {
  const dir = path.relative(relativeTo, result.outdir) || '.';
  const lines = result.files.map(({ file, kinds }) =>
    `${path.join(dir, file)}: ${Object.entries(kinds).map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
  const picture = result.diagram ? path.relative(relativeTo, result.diagram) : undefined;
  // the node files by their top folder: `dist/lab/control-plane/: 16 files for the nodes (copy each node's folder onto it)`
  const folders = new Map<string, number>();
  for (const [folder] of (result.nodeFiles ?? []).map((file) => file.split('/'))) folders.set(folder, (folders.get(folder) ?? 0) + 1);
  return [
    ...lines,
    ...[...folders].map(([folder, n]) => `${path.join(dir, folder)}/: ${n} files ${NODE_FOLDERS[folder] ?? 'for the nodes, not for kubectl'}`),
    ...(result.contract ? [`${path.join(dir, CONTRACT_FILE)}: for the operator CLI (${contractSummary(result.contract)})`] : []),
    ...(picture ? [`${picture}: the picture of the site (Graphviz: dot -Tsvg ${picture} > ${path.basename(dir)}.svg)`] : []),
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
}

/** `site lab, 4 Secrets and 1 ConfigMap to create, 9 images`: what the contract holds, in the synth's summary. */
function contractSummary(contract: ContractFile): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const needed = [
    ...(contract.secrets.length ? [count(contract.secrets.length, 'Secret')] : []),
    ...(contract.configMaps.length ? [count(contract.configMaps.length, 'ConfigMap')] : []),
  ];
  return [
    ...(contract.site ? [`site ${contract.site}`] : []),
    ...(needed.length ? [`${needed.join(' and ')} to create`] : []),
    count(contract.images.length, 'image'),
  ].join(', ');
}

/** What each folder of node files is for, in the synth's summary. */
const NODE_FOLDERS: Record<string, string> = {
  'control-plane': 'for the nodes, not for kubectl (docs/control-plane.md)',
  'monitoring': 'for Prometheus, not for kubectl: its scrape configuration and rules (docs/monitoring.md)',
};

/**
 * The app's name: the one `app.kubernetes.io/part-of` value its objects carry, which the operator deploys, prunes and
 * uninstalls by; undefined when none carries it. Two values would make one folder two apps to the operator.
 */
function siteOf(outdir: string, files: readonly SynthesizedFile[]): string | undefined {
  const sites = [...new Set(files.flatMap((f) => f.sites))].sort();
  if (sites.length > 1) {
    const where = sites.map((site) => `${site} (${files.filter((f) => f.sites.includes(site)).map((f) => f.file).join(', ')})`);
    throw new Error(`synthApp(${outdir}): the objects carry ${PART_OF} values ${where.join(' and ')}: the operator deploys, prunes and `
      + 'uninstalls one app by that label. Give every chart the same labels (ownershipLabels(<app>)), or synthesize each app into its own folder');
  }
  return sites[0];
}

const PART_OF = 'app.kubernetes.io/part-of';

/** Each kind once, sorted by apiVersion and kind. */
function uniqueKinds(kinds: readonly EmittedKind[]): EmittedKind[] {
  const unique = new Map(kinds.map((k) => [`${k.apiVersion} ${k.kind}`, k]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, kind]) => kind);
}

/**
 * The objects per kind of one file as the synth just wrote it, and each object's kind: cdk8s writes one block-style
 * document per object, with `apiVersion:` and `kind:` at the top level and the namespace, if any, as `  namespace:`
 * right under `metadata:` (a test holds this reading against a YAML parser's, app by app). Reading the text once
 * costs nothing next to the synth; parsing it again as YAML or resolving every object again would double it.
 */
function scanManifests(yaml: string): { kinds: Record<string, number>; emitted: EmittedKind[]; sites: string[] } {
  const kinds: Record<string, number> = {};
  const emitted: EmittedKind[] = [];
  const sites = new Set<string>();
  for (const document of yaml.split(/^---$/m)) {
    const kind = /^kind: (\S+)$/m.exec(document)?.[1];
    if (kind === undefined) continue;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const metadata = /^metadata:\n((?: {2}.*\n?)*)/m.exec(document)?.[1] ?? '';
    emitted.push({ apiVersion: /^apiVersion: (\S+)$/m.exec(document)?.[1] ?? '', kind, namespaced: /^ {2}namespace: /m.test(metadata) });
    const site = /^ {4}app\.kubernetes\.io\/part-of: (.+)$/m.exec(metadata)?.[1];
    if (site !== undefined) sites.add(site.replace(/^(["'])(.*)\1$/, '$2'));
  }
  return { kinds, emitted, sites: [...sites] };
}

/**
 * The main of an app (`apps/<app>/main.ts`): loads the app's declaration, synthesizes it into `outdir` all or
 * nothing and prints one line per file and per warning. Any failure, also one thrown while the declaration loads
 * (a negative `Size` in site.ts), prints one line, `synth of <outdir> failed, previous output kept: <why>`, and sets
 * exit code 1; an error that is not a construct's own check (those name the construct and the prop) also names
 * where the app's code threw it (`at apps/lab/site.ts:24`).
 *
 * @param load imports the app's declaration (inside the guard) and returns what adds its charts to an App
 */
export async function runApp(outdir: string, load: () => Promise<(app: App) => unknown>, options: SynthAppOptions = {}): Promise<void> {
  process.setSourceMapsEnabled(true);
  try {
    const build = await load();
    const result = synthApp(outdir, build, options);
    for (const line of formatSynthResult(result)) console.log(line);
    const folder = path.basename(result.outdir);
    if (result.contract?.site !== undefined && result.contract.site !== folder) {
      console.log(`warning: ${outdir} holds the site "${result.contract.site}" (the ${PART_OF} label of its objects), not "${folder}": `
        + `\`cdk8s-vserver wait ${folder}\` would find nothing. Name the site after its folder (name: '${folder}'), or synthesize it into `
        + `${path.join(path.dirname(outdir), result.contract.site)}`);
    }
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const where = error instanceof Error && !(error instanceof SiteError) ? thrownAt(error) : undefined;
    console.error(`synth of ${outdir} failed, previous output kept: ${message}${where ? ` (at ${where})` : ''}`);
    process.exitCode = 1;
  }
}

/** The first place in the app's own code (not a package's, not Node's) that `error`'s stack passes, relative to the working folder. */
function thrownAt(error: Error): string | undefined {
  for (const frame of (error.stack ?? '').split('\n').slice(1)) {
    const file = /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):\d+\)?$/.exec(frame.trim());
    if (!file || /node_modules|[/\\]packages[/\\]|^node:/.test(file[1])) continue;
    return `${path.relative(process.cwd(), file[1]) || file[1]}:${file[2]}`;
  }
  return undefined;
}
