import * as fs from 'fs';
import * as path from 'path';

/** A known-bad manifest and the tier that must reject it. */
export interface NegativeControl {
  readonly file: string;
  readonly yaml: string;
  readonly rejectedBy: 'schema' | 'server';
  readonly expect: RegExp;
}

/** The negative controls of this folder: each YAML file starts with `# rejected-by:` and `# expect:` lines. */
export function negativeControls(tier?: 'schema' | 'server'): NegativeControl[] {
  return fs.readdirSync(__dirname).filter((f) => f.endsWith('.yaml')).sort().map((file) => {
    const yaml = fs.readFileSync(path.join(__dirname, file), 'utf-8');
    const rejectedBy = /^# rejected-by: (schema|server)$/m.exec(yaml)?.[1] as NegativeControl['rejectedBy'] | undefined;
    const expected = /^# expect: (.+)$/m.exec(yaml)?.[1];
    if (!rejectedBy || !expected) throw new Error(`test/negative/${file} needs '# rejected-by: schema|server' and '# expect: <regex>' lines`);
    return { file, yaml, rejectedBy, expect: new RegExp(expected) };
  }).filter((c) => tier === undefined || c.rejectedBy === tier);
}
