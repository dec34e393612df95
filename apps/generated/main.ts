import { formatSynthResult, synthApp } from '@cdk8s-vserver/hosting';
import { buildGeneratedSite } from './site';

// Synthesizes a generated site: node lib/generated/main.js <servers> <outdir> [entry]
const servers = Number(process.argv[2]);
const outdir = process.argv[3];
const entry = process.argv[4] === 'entry';
if (!Number.isInteger(servers) || servers < 1 || !outdir || (process.argv[4] !== undefined && !entry)) {
  console.error('usage: node lib/generated/main.js <servers (1 or more)> <outdir> [entry: every server behind one shared entry]');
  process.exit(2);
}
const result = synthApp(outdir, (app) => { buildGeneratedSite(app, servers, { entry }); });
for (const line of formatSynthResult(result)) console.log(line);
