import { formatSynthResult, synthApp } from '@cdk8s-vserver/core';

// Synthesizes the reference site into dist/lab, all or nothing: a failed synth keeps the previous dist/lab and
// prints one line. The site is loaded inside the same guard, so a fact that fails while the site loads (a
// negative Size in site.ts, say) is reported the same way, never as a stack trace.
async function main(): Promise<void> {
  const { buildLab } = await import('./lab');
  const result = synthApp('dist/lab', (app) => buildLab(app), { diagram: true });
  for (const line of formatSynthResult(result)) console.log(line);
}

main().catch((error: unknown) => {
  console.error(`synth of dist/lab failed, previous output kept: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
