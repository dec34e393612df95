import { formatSynthResult, synthApp } from '@cdk8s-vserver/core';

// Synthesizes the agency example into dist/agency, all or nothing (see apps/lab/main.ts).
async function main(): Promise<void> {
  const { HostingSite } = await import('@cdk8s-vserver/hosting');
  const { AGENCY } = await import('./site');
  const result = synthApp('dist/agency', (app) => new HostingSite(app, 'Site', AGENCY), { diagram: true });
  for (const line of formatSynthResult(result)) console.log(line);
}

main().catch((error: unknown) => {
  console.error(`synth of dist/agency failed, previous output kept: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
