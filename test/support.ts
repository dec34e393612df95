// The one test-support module: manifest types, synth and find, dist/ listing, folder reading, waitFor.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';

/** A manifest as synthesized or read from dist/: plain JSON. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: any;
};

/** Every manifest of `chart`. */
export function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}

/** The message of the error `app`'s synth throws (its validations, the app-wide checks among them), or undefined. */
export function synthError(app: App): string | undefined {
  try {
    app.synthYaml();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The one manifest of `kind` named `name`; fails the test when there is none or more than one. */
export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named ${name}, found ${found.length} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  }
  return found[0];
}

/** Every manifest of `kind`. */
export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** dist/, where `npx projen synth` writes each app (`dist/lab`). */
export const DIST = path.join(__dirname, '../dist');

/** The app folders of dist/ (temporary synth folders and the packed packages in dist/js left out). */
export function distApps(): string[] {
  return fs.readdirSync(DIST).filter((d) => fs.statSync(path.join(DIST, d)).isDirectory() && !d.startsWith('.') && d !== 'js').sort();
}

/** The YAML files of a folder, in apply order (their numbered names), as full paths. */
export function yamlFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}

/** Every object of the YAML files of a folder, in apply order. */
export function objectsIn(dir: string): Manifest[] {
  return yamlFilesIn(dir).flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf-8')).map((d) => d.toJSON() as Manifest).filter(Boolean));
}

/**
 * Every regular file under `dir`, recursively, as paths relative to it, sorted; none when `dir` does not exist.
 * Symbolic links are not followed (an image layer holds links that point outside it).
 */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.lstatSync(path.join(dir, f)).isFile()).sort();
}

/**
 * The files `npx projen synth` wrote into dist/<app>, for comparison with the same app synthesized by the test
 * (whose snapshots are the golden copy); fails with the fix when dist/<app> is missing.
 */
export function distOf(app: string): Record<string, string> {
  const dir = path.join(DIST, app);
  if (!fs.existsSync(dir)) throw new Error(`dist/${app} is missing: run \`npx projen synth\` first (\`npx projen test\` does)`);
  return readTree(dir);
}

/** Every file under `dir` (its node files' folders too), path relative to it -> content; an executable's path ends in ` (0755)`. */
export function readTree(dir: string): Record<string, string> {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).sort()
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());
  return Object.fromEntries(files.map((f) => {
    const mode = fs.statSync(path.join(dir, f)).mode % 0o1000;
    return [mode === 0o755 ? `${f} (0755)` : f, fs.readFileSync(path.join(dir, f), 'utf-8')];
  }));
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Time between two checks. */
  readonly intervalMs?: number;
  /** Extra words for the timeout error (what else was going on). */
  readonly context?: () => string;
}

/**
 * Polls `check` until it returns a value other than undefined, or throws after `seconds` with `what` (and the
 * last error `check` threw, if any).
 */
export async function waitFor<T>(what: string, seconds: number, check: () => T | undefined | Promise<T | undefined>,
  options: WaitForOptions = {}): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const extra = [last ? String(last) : '', options.context?.() ?? ''].filter(Boolean).join('; ');
      throw new Error(`timed out after ${seconds}s waiting for ${what}${extra ? `: ${extra}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
