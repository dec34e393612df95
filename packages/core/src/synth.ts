import * as fs from 'fs';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';
import { AppChecks } from './app-checks';
import { siteDiagram } from './diagram';
import { Warnings } from './warnings';

/** One file an app synthesized. */
export interface SynthesizedFile {
  /** Path relative to the app's output folder (`0000-storage.k8s.yaml`). */
  readonly file: string;
  /** Objects per kind, in the order kinds first appear (`{ PersistentVolume: 1, PersistentVolumeClaim: 1 }`). */
  readonly kinds: Record<string, number>;
}

/** The diagram file `synthApp` writes beside the manifests (`kubectl apply -f` reads only .yaml/.yml/.json). */
export const DIAGRAM_FILE = 'site.dot';

/** Options of {@link synthApp}. */
export interface SynthAppOptions {
  /**
   * Also write a picture of the site, `site.dot` (Graphviz), from the manifests written.
   * @default false
   */
  readonly diagram?: boolean;
}

/** What `synthApp` did. */
export interface SynthResult {
  /** The folder that now holds the app's manifests. */
  readonly outdir: string;
  /** Every file written, in apply order. */
  readonly files: SynthesizedFile[];
  /** Every synth-time warning, `[construct path] message`. */
  readonly warnings: string[];
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
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.synth-`));
  const retired = `${staging}.old`;
  try {
    const app = new App({ outdir: staging });
    // synthApp returns the warnings (and the app's main prints them): the app's validation need not print them too.
    AppChecks._printedBySynthApp(app);
    build(app);
    app.synth();
    const files = fs.readdirSync(staging).filter((f) => f.endsWith('.yaml')).sort()
      .map((file) => ({ file, kinds: countKinds(fs.readFileSync(path.join(staging, file), 'utf-8')) }));
    if (files.length === 0) {
      throw new Error(`synthApp(${outdir}): the app has no chart, so it wrote no manifest`);
    }
    if (options.diagram) {
      const objects = files.flatMap(({ file }) => Yaml.load(path.join(staging, file)).filter(Boolean));
      fs.writeFileSync(path.join(staging, DIAGRAM_FILE), siteDiagram(objects));
    }
    const warnings = Warnings.collect(app);
    if (fs.existsSync(target)) fs.renameSync(target, retired);
    fs.renameSync(staging, target);
    fs.rmSync(retired, { recursive: true, force: true });
    return { outdir: target, files, warnings };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Formats a synth result as one line per file and one per warning, for the console. */
export function formatSynthResult(result: SynthResult, relativeTo = process.cwd()): string[] {
  const dir = path.relative(relativeTo, result.outdir) || '.';
  const lines = result.files.map(({ file, kinds }) =>
    `${path.join(dir, file)}: ${Object.entries(kinds).map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
  return [...lines, ...result.warnings.map((w) => `warning: ${w}`)];
}

function countKinds(yaml: string): Record<string, number> {
  const kinds: Record<string, number> = {};
  // cdk8s writes one document per object, each with a top-level `kind:` line.
  for (const match of yaml.matchAll(/^kind: (\S+)$/gm)) {
    kinds[match[1]] = (kinds[match[1]] ?? 0) + 1;
  }
  return kinds;
}
