import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HostingSite, VirtualServerSpec } from '@cdk8s-vserver/hosting';
import { Testing } from 'cdk8s';
import { LAB } from '../../apps/lab/site';
import { PACKAGES } from '../../projenrc/packages';
import { filesUnder } from '../support';

// Every TypeScript block of each package README is compiled (ts-jest type-checks it) and run: the blocks of one
// README are one program, in order (later blocks use what earlier ones declared), synthesized once more at the
// end so the later blocks' objects are written too. What it writes is snapshotted: the docs cannot drift from the API.
const repo = path.join(__dirname, '../..');
const examples = path.join(repo, 'test/packages/.readme-examples');

/** Every ```ts block of a README, in order. */
export function tsBlocks(readme: string): string[] {
  // A block may be indented (inside a list item): its lines lose the fence's indent.
  return [...readme.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)]
    .map(([, indent, body]) => body.split('\n').map((line) => line.slice(indent.length)).join('\n'));
}

describe.each(PACKAGES.map((p) => p.dir))('packages/%s/README.md', (pkg) => {
  const cwd = process.cwd();
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `readme-${pkg}-`));
    fs.mkdirSync(examples, { recursive: true });
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('every example compiles, runs, and writes what its snapshot shows', () => {
    const blocks = tsBlocks(fs.readFileSync(path.join(repo, 'packages', pkg, 'README.md'), 'utf-8'));
    expect(blocks.length).toBeGreaterThan(0);
    const synthAgain = blocks.length > 1 && /\bconst app = new App\(/.test(blocks[0]) ? '\napp.synth();\n' : '';
    const file = path.join(examples, `${pkg}.ts`);
    fs.writeFileSync(file, `// Extracted from packages/${pkg}/README.md by readme.test.ts; do not edit.\n${blocks.join('\n')}${synthAgain}\nexport {};\n`);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.chdir(tmp);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example is a file written at run time
      jest.isolateModules(() => require(file));
    } finally {
      process.chdir(cwd);
      log.mockRestore();
    }
    const written = Object.fromEntries(filesUnder(path.join(tmp, 'dist')).map((f) => [f, fs.readFileSync(path.join(tmp, 'dist', f), 'utf-8')]));
    expect(Object.keys(written).length).toBeGreaterThan(0);
    expect(written).toMatchSnapshot();
  });
});

describe('tsBlocks', () => {
  test('finds every block, indented ones too (negative control: a yaml block is not taken)', () => {
    const readme = 'a\n```ts\nconst a = 1;\n```\n- item\n\n  ```ts\n  const b = 2;\n  ```\n```yaml\nkind: X\n```\n';
    expect(tsBlocks(readme)).toEqual(['const a = 1;\n', 'const b = 2;\n']);
  });
});

describe('README.md and the chapters in docs/', () => {
  const docs = ['README.md', ...fs.readdirSync(path.join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const blocksOf = (file: string) => tsBlocks(fs.readFileSync(path.join(repo, file), 'utf-8'));

  test('their four examples are the new server (README), the HTTPS choices, a PHP customer and a customer who fetches (chapters): each compiled below', () => {
    expect(docs.flatMap((file) => blocksOf(file).map(() => file)).sort()).toEqual(['README.md', 'docs/https.md', 'docs/php.md', 'docs/tenancy.md']);
  });

  test.each([
    ['the new-server example', 'README.md', ['myweb', 'shop'], 0],
    ['the HTTPS example', 'docs/https.md', ['shop', 'blog', 'bank'], 1],
    ['the egress example', 'docs/tenancy.md', ['shop'], 2],
    ['the PHP example', 'docs/php.md', ['bakery'], 3],
  ])("%s (%s) is a real servers list: the lab's declaration with it synthesizes, with its servers", (_what, file, names, index) => {
    const blocks = blocksOf(file);
    expect(blocks).toHaveLength(1);
    const list = blocks[0].trim().replace(/^servers: /, '').replace(/,$/, '');
    fs.mkdirSync(examples, { recursive: true });
    const example = path.join(examples, `root-servers-${index}.ts`);
    fs.writeFileSync(example, [
      `// Extracted from ${file} by readme.test.ts; do not edit.`,
      `import { ${['Ipv4Address', 'Ipv4Subnet'].filter((n) => list.includes(n)).join(', ')} } from '@cdk8s-vserver/core';`,
      "import { VirtualServerSpec } from '@cdk8s-vserver/hosting';",
      // what the block names of web-ssh-server's certificate types (an unused import would not compile)
      ...(/ServerCertificate|ServerEgress|PhpVersion/.test(list)
        ? [`import { ${['IssuerKind', 'PhpVersion', 'ServerCertificate', 'ServerEgress'].filter((n) => list.includes(n)).join(', ')} } from '@cdk8s-vserver/web-ssh-server';`]
        : []),
      ...(/\bSize\./.test(list) ? ["import { Size } from 'cdk8s';"] : []),
      `export const servers: VirtualServerSpec[] = ${list};`,
      '',
    ].join('\n'));
    let servers: VirtualServerSpec[] = [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example is a file written at run time
    jest.isolateModules(() => { servers = require(example).servers; });
    expect(servers.map((s) => s.name)).toEqual(names);
    const app = Testing.app();
    const site = new HostingSite(app, 'Site', { ...LAB, servers });
    const yaml = app.synthYaml();
    for (const name of names) {
      expect(yaml).toContain(`name: ${name}`);
      expect(site.server(name).service.name).toBe(name);
    }
    // what each server may reach is its NetworkPolicy's
    for (const s of servers.filter((x) => x.egress)) {
      expect(JSON.stringify(site.server(s.name).networkPolicy.toJson().spec.egress)).toContain('"cidr":"192.168.1.20/32"');
    }
  });
});

describe('every npx command the docs and the operator CLI show', () => {
  // `npx <name>` runs the package of that name from the public registry when no installed package has the bin (in CI
  // without asking): a name this project does not depend on must be run with `--no`, which refuses to install.
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf-8'));
  const dependencies = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
  /** The `npx` commands in a text's code (inline code spans and fenced blocks), each as [options, name]. */
  const npxCommands = (text: string): Array<[string[], string]> => {
    const code = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]).join('\n');
    return [...code.matchAll(/\bnpx((?:[ \t]+-[-a-z]*(?:=\S+)?)*)[ \t]+([@a-z0-9][-a-z0-9@/._]*)/g)]
      .map((m) => [m[1].trim().split(/\s+/).filter(Boolean), m[2]]);
  };
  const unsafe = (text: string) => npxCommands(text).filter(([options, name]) => !options.includes('--no') && !dependencies.has(name))
    .map(([options, name]) => ['npx', ...options, name].join(' '));
  const docs = ['README.md', ...fs.readdirSync(path.join(repo, 'docs')).map((f) => `docs/${f}`),
    ...PACKAGES.map((p) => `packages/${p.dir}/README.md`)].filter((f) => f.endsWith('.md'));

  test.each(docs)('%s: each names a dependency of the project, or refuses to install (npx --no)', (file) => {
    expect(unsafe(fs.readFileSync(path.join(repo, file), 'utf-8'))).toEqual([]);
  });

  test("the operator CLI's help", () => {
    const help = spawnSync(process.execPath, [path.join(repo, 'packages/operator/bin/cdk8s-vserver.js'), 'help'], { encoding: 'utf-8' });
    expect(help.status).toBe(0);
    expect(npxCommands(help.stdout).map(([, name]) => name)).toEqual(['cdk8s-vserver']);
    expect(unsafe(help.stdout)).toEqual([]);
  });

  test('the rule finds an unscoped name that would come from the registry (negative control)', () => {
    expect(npxCommands('run `npx projen synth`, then `npx --no cdk8s-vserver deploy dist/lab lab`').map(([, name]) => name)).toEqual(['projen', 'cdk8s-vserver']);
    expect(unsafe('```sh\nnpx cdk8s-vserver deploy dist/lab lab\nnpx --yes cdk8s-vserver help\n```\nand `npx projen test`'))
      .toEqual(['npx cdk8s-vserver', 'npx --yes cdk8s-vserver']);
  });
});
