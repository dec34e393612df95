import * as fs from 'fs';
import * as path from 'path';

// `npx projen synth [APP...]`: synthesizes the named apps, or every app, one after the other, in one Node process:
// each app's main.ts runs as `node lib/<app>/main.js` would run it, but Node, cdk8s and the packages load once.
// An app is a folder of apps/ whose main.ts exports `done` (the promise of its runApp): a new one is found as soon as
// it is compiled, with no list to keep.

/** The apps under `lib` (compiled) that still have their source under `apps`: folders whose main exports `done`. */
export function appsIn(lib: string, apps: string): string[] {
  return fs.readdirSync(lib).filter((name) => {
    const declaration = path.join(lib, name, 'main.d.ts');
    return fs.existsSync(path.join(apps, name, 'main.ts')) && fs.existsSync(declaration)
      && /^export declare const done\b/m.test(fs.readFileSync(declaration, 'utf-8'));
  }).sort();
}

async function main(requested: string[]): Promise<void> {
  const known = appsIn(__dirname, path.join(__dirname, '../apps'));
  const unknown = requested.filter((app) => !known.includes(app));
  if (unknown.length) {
    console.error(`synth: no app ${unknown.join(', ')} in apps/ (an app is apps/<name>/main.ts exporting \`done\` from runApp, `
      + `as apps/lab/main.ts does); the apps are: ${known.join(', ')}`);
    process.exit(2);
  }
  for (const app of requested.length ? requested : known) {
    const { done } = await import(`./${app}/main`) as { done: Promise<void> };
    await done;
  }
}

if (require.main === module) void main(process.argv.slice(2));
