import { formatSynthResult, synthApp } from '@cdk8s-vserver/hosting';
import { buildGeneratedSite } from './site';

// Synthesizes a generated site: node lib/generated/main.js <servers> <outdir>
const servers = Number(process.argv[2]);
const outdir = process.argv[3];
if (!Number.isInteger(servers) || servers < 1 || !outdir) {
  console.error('usage: node lib/generated/main.js <servers (1 or more)> <outdir>');
  process.exit(2);
}
const result = synthApp(outdir, (app) => buildGeneratedSite(app, servers));
for (const line of formatSynthResult(result)) console.log(line);
