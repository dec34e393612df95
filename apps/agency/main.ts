import * as path from 'path';
import { runApp } from '@cdk8s-vserver/hosting';

// Synthesizes the agency example into dist/agency (dist/<this folder's name>), all or nothing (see apps/lab/main.ts).
// A copy of this folder is a new app as it is: `cp -r apps/agency apps/mysite` synthesizes into dist/mysite.
export const done = runApp(`dist/${path.basename(__dirname)}`, async () => {
  const { HostingSite } = await import('@cdk8s-vserver/hosting');
  const { AGENCY } = await import('./site');
  return (app) => new HostingSite(app, 'Site', AGENCY);
}, { diagram: true });
