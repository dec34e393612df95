import { formatSynthResult, synthApp } from '@cdk8s-vserver/core';
import { buildLab } from './lab';

// Synthesizes the reference site into dist/lab, all or nothing: a failed synth keeps the previous dist/lab.
try {
  const result = synthApp('dist/lab', (app) => buildLab(app));
  for (const line of formatSynthResult(result)) console.log(line);
} catch (error) {
  console.error(`synth of dist/lab failed, previous output kept: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
