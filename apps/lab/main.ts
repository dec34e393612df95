import { runApp } from '@cdk8s-vserver/hosting';

// Synthesizes the reference site into dist/lab, all or nothing: a failed synth keeps the previous dist/lab and
// prints one line. The site is loaded inside the same guard, so a fact that fails while the site loads (a
// negative Size in site.ts, say) is reported the same way, with where it was thrown, never as a stack trace.
export const done = runApp('dist/lab', async () => (await import('./lab')).buildLab, { diagram: true });
