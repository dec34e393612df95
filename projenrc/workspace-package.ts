import { JsonFile, Project } from 'projen';
import { PACKAGE_VERSION, PackageSpec, packageName, PEER_RANGES } from './packages';

/**
 * Writes the package.json and tsconfig.json of one npm workspace package under packages/<dir>.
 * Each package compiles src/ to lib/ on its own (TypeScript project references), so another project can
 * install the packed tarball and import it. Returns the package's folder.
 */
export function addWorkspacePackage(root: Project, spec: PackageSpec): string {
  const dir = `packages/${spec.dir}`;
  new JsonFile(root, `${dir}/package.json`, {
    obj: {
      name: packageName(spec.dir),
      version: PACKAGE_VERSION,
      description: spec.description,
      license: 'Apache-2.0',
      main: 'lib/index.js',
      types: 'lib/index.d.ts',
      ...(spec.bin ? { bin: spec.bin } : {}),
      files: ['lib/**/*.js', 'lib/**/*.d.ts', 'bin/**', 'crds/**', 'README.md', 'LICENSE', 'NOTICE'],
      engines: { node: '>= 20' },
      // Exact versions: the packages are installed together from their tarballs (README, "Use the constructs in
      // your own project"), and each one was tested with exactly these siblings.
      dependencies: { ...Object.fromEntries(spec.dependsOn.map((d) => [packageName(d), PACKAGE_VERSION])), ...spec.npmDependencies },
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
      references: spec.dependsOn.map((d) => ({ path: `../${d}` })),
    },
  });
  return dir;
}
