import { runApp } from '@cdk8s-vserver/hosting';

// Synthesizes the agency example into dist/agency, all or nothing (see apps/lab/main.ts).
export const done = runApp('dist/agency', async () => {
  const { HostingSite } = await import('@cdk8s-vserver/hosting');
  const { AGENCY } = await import('./site');
  return (app) => new HostingSite(app, 'Site', AGENCY);
}, { diagram: true });
