import * as fs from 'fs';
import * as path from 'path';
import { CONTRACT_FILE, KINDS_FILE } from '@cdk8s-vserver/core';
import { parseAllDocuments, stringify } from 'yaml';
import { Manifest, yamlFilesIn } from '../support';
import { kubectl } from './kubectl';

/**
 * An app folder's manifests as one YAML stream, in file order, ready for `kubectl apply -f -` on the test server.
 * The test server is Kubernetes 1.20 (the newest that Debian builds); PodDisruptionBudget reached policy/v1 and
 * CronJob batch/v1 in 1.21, so on an older server (only) their apiVersions are lowered to the v1beta1 versions,
 * whose specs are the same for every field this library writes.
 */
export function applyableYaml(dir: string, files = yamlFilesIn(dir)): { yaml: string; lowered: number } {
  let yaml = files.map((f) => fs.readFileSync(f, 'utf-8')).join('\n---\n');
  const minor = serverMinor();
  let lowered = 0;
  if (minor < 21) {
    yaml = yaml.replace(/^apiVersion: (policy|batch)\/v1\nkind: (PodDisruptionBudget|CronJob)$/gm, (_all, group: string, kind: string) => {
      lowered++;
      return `apiVersion: ${group}/v1beta1\nkind: ${kind}`;
    });
  }
  return { yaml, lowered };
}

/** Creates the namespaces an app's objects live in (a server-side dry run cannot see one created in the same run). */
export function createNamespaces(objects: Manifest[]): void {
  const namespaces = new Set<string>([
    ...objects.filter((o) => o.kind === 'Namespace').map((n) => n.metadata.name),
    ...objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n),
  ]);
  for (const ns of namespaces) {
    kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  }
}

/**
 * A copy of an app folder as the test server takes it (see applyableYaml), file by file, so kubectl commands
 * that take a folder (`kubectl diff -f DIR`, the operator CLI) run on it as they would on dist/<app>.
 */
export function applyableDir(dir: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  // the kinds the app emits, and the contract the operator CLI reads beside the manifests
  fs.copyFileSync(path.join(dir, KINDS_FILE), path.join(into, KINDS_FILE));
  fs.mkdirSync(path.dirname(path.join(into, CONTRACT_FILE)), { recursive: true });
  fs.copyFileSync(path.join(dir, CONTRACT_FILE), path.join(into, CONTRACT_FILE));
  for (const file of yamlFilesIn(dir)) {
    const lowered = applyableYaml(path.dirname(file), [file]).yaml;
    fs.writeFileSync(path.join(into, path.basename(file)), lowered);
  }
  return into;
}

/**
 * Installs the CustomResourceDefinitions the packages' custom resources need (MetalLB's and cert-manager's, from the
 * files their types were imported from) and waits until the server serves them, as MetalLB's own install does on a real cluster.
 */
export function installCustomResourceDefinitions(files: string[]): string[] {
  const names: string[] = [];
  const minor = serverMinor();
  for (const file of files) {
    // cert-manager v1.21's Certificate declares `selectableFields` (Kubernetes 1.30+: kubectl may select Certificates
    // by issuer), which an older test server does not know: its copy leaves that one field out.
    const crds = parseAllDocuments(fs.readFileSync(file, 'utf-8')).map((d) => d.toJSON()).filter(Boolean);
    if (minor < 30) for (const crd of crds) for (const version of crd.spec?.versions ?? []) delete version.selectableFields;
    // the Prometheus Operator's CRDs give secret and ConfigMap references `name: { default: "" }`, which the 1.20 server
    // refuses ("Invalid value: null", its defaulting of an empty string); its copy leaves those defaults out
    if (minor < 21) for (const crd of crds) dropEmptyDefaults(crd);
    // mariadb-operator's MariaDB declares one CEL rule (`x-kubernetes-validations`, Kubernetes 1.25+), a field an older
    // server's CRD schema does not have (kubectl refuses it): its copy leaves the rule out
    if (minor < 25) for (const crd of crds) dropValidationRules(crd);
    const out = kubectl(['apply', '-f', '-'], crds.map((crd) => stringify(crd, { version: '1.1' })).join('---\n'));
    names.push(...out.trim().split('\n').map((line) => line.split(' ')[0]));
  }
  kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names]);
  return names;
}


/** Removes every `x-kubernetes-validations` of a schema, in place. */
function dropValidationRules(node: unknown): void {
  if (Array.isArray(node)) {node.forEach(dropValidationRules);} else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    delete o['x-kubernetes-validations'];
    Object.values(o).forEach(dropValidationRules);
  }
}

/** Removes every `default: ""` of a schema, in place. */
function dropEmptyDefaults(node: unknown): void {
  if (Array.isArray(node)) {node.forEach(dropEmptyDefaults);} else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.default === '' && o.type === 'string') delete o.default;
    Object.values(o).forEach(dropEmptyDefaults);
  }
}

/** The test server's Kubernetes minor version (20 for 1.20), asked once per test file. */
let minorOfServer: number | undefined;
function serverMinor(): number {
  minorOfServer ??= Number(JSON.parse(kubectl(['version', '-o', 'json'])).serverVersion.minor.replace(/\D/g, ''));
  return minorOfServer;
}
