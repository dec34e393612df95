// Synthesizes the apps named on the command line, one after the other, in one Node process (`npx projen synth`
// names every app of .projenrc.ts): each app's main.ts runs as `node lib/<app>/main.js` would run it, but Node,
// cdk8s and the packages load once.
async function main(apps: string[]): Promise<void> {
  for (const app of apps) {
    const { done } = await import(`./${app}/main`) as { done: Promise<void> };
    await done;
  }
}

void main(process.argv.slice(2));
