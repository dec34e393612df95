import { JsonFile, Project } from 'projen';

/** Versions every package and app is built and tested with. */
export const VERSIONS = {
  /** cdk8s-plus-22's last release crashes on Deployments and DaemonSets with cdk8s 2.65 or newer. */
  cdk8s: '2.64.19',
  cdk8sPlus22: '2.0.0-rc.138',
  constructs: '10.4.2',
  typescript: '5.9.3',
} as const;

/** The range each construct package accepts for its peers (kept below the cdk8s release that breaks cdk8s-plus-22). */
export const PEER_RANGES = {
  'cdk8s': `>=${VERSIONS.cdk8s} <2.65.0`,
  'cdk8s-plus-22': VERSIONS.cdk8sPlus22,
  'constructs': '^10.1.120',
} as const;

export interface WorkspacePackageOptions {
  /** Folder under packages/, also the package name after the scope. */
  readonly dir: string;
  /** One-line description for package.json. */
  readonly description: string;
  /** Other workspace packages (folder names) this one imports. */
  readonly dependsOn?: string[];
}

/** Scope of every package of the monorepo. */
export const SCOPE = '@cdk8s-vserver';

/**
 * Writes the package.json and tsconfig.json of one npm workspace package under packages/<dir>.
 * Each package compiles src/ to lib/ on its own (TypeScript project references), so another project can
 * install the packed tarball and import it.
 */
export function addWorkspacePackage(root: Project, version: string, options: WorkspacePackageOptions): string {
  const dir = `packages/${options.dir}`;
  const deps = options.dependsOn ?? [];
  new JsonFile(root, `${dir}/package.json`, {
    obj: {
      name: `${SCOPE}/${options.dir}`,
      version,
      description: options.description,
      license: 'Apache-2.0',
      main: 'lib/index.js',
      types: 'lib/index.d.ts',
      files: ['lib/**/*.js', 'lib/**/*.d.ts', 'README.md'],
      engines: { node: '>= 20' },
      dependencies: Object.fromEntries(deps.map((d) => [`${SCOPE}/${d}`, version])),
      peerDependencies: PEER_RANGES,
    },
  });
  new JsonFile(root, `${dir}/tsconfig.json`, {
    obj: {
      compilerOptions: {
        composite: true,
        declaration: true,
        rootDir: 'src',
        outDir: 'lib',
        target: 'ES2020',
        module: 'commonjs',
        lib: ['es2020'],
        strict: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        noImplicitReturns: true,
        noFallthroughCasesInSwitch: true,
        esModuleInterop: true,
        skipLibCheck: true,
        stripInternal: true,
        types: ['node'],
      },
      include: ['src/**/*.ts'],
      references: deps.map((d) => ({ path: `../${d}` })),
    },
  });
  return dir;
}
