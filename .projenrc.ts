import * as fs from 'fs';
import { javascript, JsonFile, TextFile, typescript } from 'projen';
import { PACKAGE_VERSION, PACKAGES, packageName, VERSIONS } from './projenrc/packages';
import { addWorkspacePackage } from './projenrc/workspace-package';


const project = new typescript.TypeScriptProject({
  name: 'cdk8s-vserver',
  description: 'Typed Kubernetes manifests for web + SSH virtual servers on an on-premises cluster',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  srcdir: 'apps',
  libdir: 'lib',
  testdir: 'test',
  sampleCode: false,
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  eslint: true,
  eslintOptions: {
    dirs: PACKAGES.map((p) => `packages/${p.dir}/src`).concat('apps'),
    devdirs: ['test', 'scripts', 'projenrc'],
    projectService: true,
  },
  prettier: false,
  package: false,
  typescriptVersion: VERSIONS.typescript,
  jestOptions: {
    jestVersion: '^29',
    // Never rewrite snapshots in `test`: a changed manifest fails until someone runs `test:update` on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // A suite that finds no test must fail, not pass.
    passWithNoTests: false,
    junitReporting: false,
    jestConfig: {
      // The schema and cluster tiers run through scripts/run-tier.sh, which installs what they need first.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/packages/', '<rootDir>/dist/', '<rootDir>/test/schema/', '<rootDir>/test/cluster/', '<rootDir>/test/node/'],
      collectCoverage: false,
    },
  },
  // The apps (apps/) run with these: they are the root package's dependencies.
  deps: [
    `cdk8s@${VERSIONS.cdk8s}`,
    `cdk8s-plus-22@${VERSIONS.cdk8sPlus22}`,
    `constructs@${VERSIONS.constructs}`,
  ],
  devDeps: [
    'ajv@8.17.1',
    'ajv-formats@3.0.1',
    'yaml@2.8.1',
    'dotparser@1.1.1',
  ],
  tsconfig: { compilerOptions: { skipLibCheck: true, lib: ['es2020'], target: 'ES2020' } },
});

// The vendored Kubernetes L1 objects are generated code (cdk8s import), committed unchanged.
project.eslint?.addIgnorePattern('packages/core/src/imports/');
project.eslint?.addIgnorePattern('packages/vip/src/imports/');
project.eslint?.addIgnorePattern('packages/web-ssh-server/src/imports/');
project.eslint?.addIgnorePattern('packages/monitoring/src/imports/');
project.eslint?.addIgnorePattern('packages/storage/src/imports/');

// projen's default PATH for tasks runs `npx -c` once per task (~0.4 s each); node_modules/.bin is all it adds.
project.tasks.addEnvironment('PATH', '$(echo "$PWD/node_modules/.bin:$PATH")');

// Snapshots are what reviewers read in a PR: show their diffs instead of collapsing them as generated.
project.gitattributes.removeAttributes('*.snap', 'linguist-generated');
// dist/ is generated and not committed: the jest snapshots are the one golden copy of every app's manifests
// (test/apps/lab.test.ts checks that dist/lab, as synth writes it, equals them). projen ignores /dist/ already.
project.gitignore.exclude('packages/*/lib', 'packages/*/tsconfig.tsbuildinfo', '*.tgz', 'test/packages/.readme-examples/', '/test-reports/');

const packages = PACKAGES.map((spec) => addWorkspacePackage(project, spec));
// Each tarball carries the licence; core, vip and web-ssh-server also carry the NOTICE of what they vendor (the
// Kubernetes L1 objects; MetalLB's and cert-manager's imported types and the CRDs they came from).
const licence = fs.readFileSync(require.resolve('projen/license-text/Apache-2.0.txt'), 'utf-8').split('\n');
for (const dir of packages) {
  new TextFile(project, `${dir}/LICENSE`, { lines: licence, marker: false });
}
project.package.addField('private', true);
project.package.addField('workspaces', packages);
// Apps and tests import the packages by name; npm links these to the workspace folders.
project.addDeps(...PACKAGES.map((spec) => `${packageName(spec.dir)}@${PACKAGE_VERSION}`));
// scripts/ is type-checked (and linted) like the tests, without emitting.
new JsonFile(project, 'scripts/tsconfig.json', {
  obj: { extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '..' }, include: ['**/*.ts'] },
});

// Packages first (project references), then the apps that import them by package name.
project.compileTask.reset(`tsc --build ${packages.join(' ')} tsconfig.json`);

// `package` builds every package's tarball into dist/js/, ready to install elsewhere (README, "Use the
// constructs in your own project").
project.packageTask.reset();
project.packageTask.description = 'Compile, then pack every package into dist/js/<scope>-<package>-<version>.tgz';
project.packageTask.spawn(project.compileTask);
project.packageTask.exec('rm -rf dist/js && mkdir -p dist/js');
for (const dir of packages) {
  project.packageTask.exec('npm pack --silent --pack-destination ../../dist/js >/dev/null', { cwd: dir });
}

const synth = project.addTask('synth', {
  description: 'Compile the packages and apps, then synthesize every app of apps/ into dist/<app>/ (or the apps named: npx projen synth mysite)',
});
// Compile only when a source is newer than the last compile (tsc --build checks that too, but starting it costs more
// than a whole synth), then every app in one Node process (apps/synth.ts).
const COMPILED = 'lib/.compiled';
project.compileTask.exec(`touch ${COMPILED}`);
synth.spawn(project.compileTask, {
  // (find's own complaint counts as a change: a failed look never skips the compile)
  condition: `[ ! -f ${COMPILED} ] || [ -n "$(find apps packages/*/src packages/*/tsconfig.json tsconfig.json package.json -newer ${COMPILED} -print -quit 2>&1)" ]`,
});
synth.exec('node lib/synth.js', { receiveArgs: true });

// `test` proves every tier on a fresh synth: unit + snapshot tests (jest --ci).
const unit = project.addTask('test:unit', {
  description: 'Unit and snapshot tests (jest --ci: a changed manifest fails until snapshots are updated on purpose)',
  // under a PATH without any tool a later tier installs: a unit test that needs one fails on every machine
  exec: 'bash scripts/without-tier-tools.sh jest --ci',
  receiveArgs: true,
});
const consumer = project.addTask('test:consumer', {
  description: 'Install the packed packages into two fresh apps (the pinned stack and the newest cdk8s) and synthesize a site in each',
});
consumer.spawn(project.packageTask);
consumer.exec('ts-node --transpile-only scripts/consumer-test.ts');
const schema = project.addTask('test:schema', {
  description: 'Check every object of dist/ against the official Kubernetes 1.30 OpenAPI schema, strictly',
  exec: 'bash scripts/run-tier.sh schema',
  receiveArgs: true,
});
const cluster = project.addTask('test:cluster', {
  description: 'Apply dist/ to a real kube-apiserver with its controllers (VSERVER_SKIP_CLUSTER_TIER=1 skips it locally)',
  exec: 'bash scripts/run-tier.sh cluster',
  receiveArgs: true,
});
const node = project.addTask('test:node', {
  description: 'Run dist/lab on real kubelets in network namespaces, from our own images: SSH upload, HTTP, rollout, failures',
  exec: 'bash scripts/run-tier.sh node',
  receiveArgs: true,
});
// The floor of every `npx projen <task>`: npx and projen starting, reading .projen/tasks.json, and nothing else.
project.addTask('noop', { description: 'Do nothing: the floor of any npx projen task, which npx projen bench measures', exec: 'true' });
project.addTask('bench', {
  description: 'Benchmark synth and test times, and synth growth with 1-1,000 servers (prints a markdown table)',
  exec: 'ts-node --transpile-only scripts/bench.ts',
});
project.addTask('bench:vip-failover', {
  description: 'Measure VIP failover between two routers with real keepalived, as kube-keepalived-vip configures it (prints a markdown table)',
  exec: 'bash scripts/bench-vip-failover.sh',
});
project.addTask('bench:control-plane-failover', {
  description: 'How long the API is unreachable through the API VIP when the master holding it fails: the lab\'s three masters from dist/lab/control-plane/, with negative controls (needs root)',
  exec: 'bash scripts/bench-control-plane-failover.sh',
});
project.addTask('bench:backup', {
  description: 'A server\'s backups on a docroot of 1 GiB in 10,000 files: first and second backup (1 % changed), drill, restore, repository size; the restic image run as its jobs run it (needs root; prints a markdown table)',
  exec: 'bash scripts/bench-backup.sh',
});
// The linter checks in `test` (projen's own `eslint` task fixes what it can; this one only reports).
const lintDirs = [...packages.map((p) => `${p}/src`), 'apps', 'test', 'scripts', 'projenrc', '.projenrc.ts'];
const lint = project.addTask('test:lint', {
  description: 'ESLint (projen defaults) over packages, apps, tests and scripts, without fixing; shellcheck over every shell script',
  exec: `eslint --ext .ts --max-warnings 0 --no-error-on-unmatched-pattern ${lintDirs.join(' ')}`,
  env: { ESLINT_USE_FLAT_CONFIG: 'false', NODE_NO_WARNINGS: '1' },
});
// Every shell script, with Debian's shellcheck (installed by the script when missing).
lint.exec('bash scripts/shellcheck.sh');
project.testTask.reset();
project.testTask.spawn(synth);
project.testTask.spawn(lint);
project.testTask.spawn(unit);
project.testTask.spawn(consumer);
project.testTask.spawn(schema);
project.testTask.spawn(cluster);
project.testTask.spawn(node);

project.synth();
