import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The first TypeScript example of each package README is compiled (ts-jest type-checks it) and run, and
// what it writes is snapshotted: the docs cannot drift from the API.
const repo = path.join(__dirname, '../..');
const examples = path.join(repo, 'test/packages/.readme-examples');

function firstExample(pkg: string): string {
  const readme = fs.readFileSync(path.join(repo, 'packages', pkg, 'README.md'), 'utf-8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error(`packages/${pkg}/README.md has no \`\`\`ts example`);
  return match[1];
}

function outputOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, entry);
    if (fs.statSync(file).isFile()) files[entry] = fs.readFileSync(file, 'utf-8');
  }
  return files;
}

describe.each(['site', 'storage', 'web-ssh-server', 'vip', 'dashboard'])('packages/%s/README.md', (pkg) => {
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

  test('the first example compiles, runs, and writes what its snapshot shows', () => {
    const file = path.join(examples, `${pkg}.ts`);
    fs.writeFileSync(file, `// Extracted from packages/${pkg}/README.md by readme.test.ts; do not edit.\n${firstExample(pkg)}\nexport {};\n`);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.chdir(tmp);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example is a file written at run time
      jest.isolateModules(() => require(file));
    } finally {
      process.chdir(cwd);
      log.mockRestore();
    }
    const written = outputOf(path.join(tmp, 'dist'));
    expect(Object.keys(written).length).toBeGreaterThan(0);
    expect(written).toMatchSnapshot();
  });
});
