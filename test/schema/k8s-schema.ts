import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

/**
 * A strict, kubeconform-style validator of Kubernetes manifests against the official OpenAPI v2 document:
 * each object is mapped to its definition by apiVersion/kind (an unknown pair fails), unknown fields fail
 * (`additionalProperties: false` on every object definition), required fields, types, int32/int64 ranges,
 * int-or-string and quantity formats are checked.
 */
export class KubernetesSchema {
  /** Loads the OpenAPI document at `file` (swagger.json of a Kubernetes release). */
  public static load(file: string): KubernetesSchema {
    return new KubernetesSchema(JSON.parse(fs.readFileSync(file, 'utf-8')));
  }

  private readonly ajv: Ajv;
  private readonly byGvk = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(openapi: { definitions: Record<string, any> }) {
    const definitions = strictDefinitions(openapi.definitions);
    for (const [name, def] of Object.entries(openapi.definitions)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        this.byGvk.set(gvkKey(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.kind), name);
      }
    }
    // strict: false only lets ajv ignore the document's `x-kubernetes-*` annotations; it loosens no check.
    // Go's RE2 flags group `(?i)` (the Prometheus Operator's CRDs use it) becomes JavaScript's `i` flag
    const regExp = Object.assign((source: string, flags: string) => (source.includes('(?i)')
      ? new RegExp(source.replace(/\(\?i\)/g, ''), `${flags}i`) : new RegExp(source, flags)), { code: 'goRegExp' });
    this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true, code: { regExp } });
    addFormats(this.ajv);
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addSchema({ $id: 'k8s', definitions });
  }

  /**
   * Adds the custom resources of the CustomResourceDefinitions in `files` (YAML), each served version checked by its
   * `openAPIV3Schema` as strictly as the built-in kinds (unknown fields fail), with `metadata` checked as ObjectMeta.
   * @returns the `apiVersion/kind` pairs added
   */
  public addCustomResourceDefinitions(files: string[]): string[] {
    const added: string[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf-8'))) {
        const crd = doc.toJSON();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions ?? []) {
          if (!version.served) continue;
          const apiVersion = `${crd.spec.group}/${version.name}`;
          const root = rewrite(version.schema.openAPIV3Schema);
          root.properties.metadata = { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
          root.required = [...new Set([...(root.required ?? []), 'apiVersion', 'kind'])];
          const name = `crd:${apiVersion}/${crd.spec.names.kind}`;
          this.compiled.set(name, this.ajv.compile(root));
          this.byGvk.set(gvkKey(apiVersion, crd.spec.names.kind), name);
          added.push(`${apiVersion}/${crd.spec.names.kind}`);
        }
      }
    }
    return added;
  }

  /**
   * Validates one object; returns the problems as `path: message` lines (empty when valid).
   */
  public validate(object: any): string[] {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) return ['(document): not an object'];
    const { apiVersion, kind } = object;
    const name = this.byGvk.get(gvkKey(apiVersion, kind));
    if (!name) return [`(document): unknown apiVersion/kind ${apiVersion}/${kind}`];
    let validate = this.compiled.get(name);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `k8s#/definitions/${name}` });
      this.compiled.set(name, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => {
      const where = e.instancePath || '/';
      const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as any).additionalProperty}'` : '';
      return `${where}: ${e.message}${extra}`;
    });
  }

  /** Validates every document of a YAML file; returns `<kind>/<name> <problem>` lines. */
  public validateFile(file: string): string[] {
    return this.validateYaml(fs.readFileSync(file, 'utf-8')).map((p) => `${path.basename(file)}: ${p}`);
  }

  /** Validates every document of a YAML text. */
  public validateYaml(text: string): string[] {
    const problems: string[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        problems.push(`YAML error: ${doc.errors[0].message}`);
        continue;
      }
      const object = doc.toJSON();
      if (object === null || object === undefined) continue;
      const id = `${object.kind}/${object.metadata?.name}`;
      problems.push(...this.validate(object).map((p) => `${id} ${p}`));
    }
    return problems;
  }
}

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

const QUANTITY = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$';

/** The document's definitions, made strict and with Kubernetes' special string formats spelled out. */
function strictDefinitions(source: Record<string, any>): Record<string, any> {
  const definitions: Record<string, any> = {};
  for (const [name, def] of Object.entries(source)) {
    definitions[name] = rewrite(def);
  }
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = {
    anyOf: [{ type: 'integer', format: 'int32' }, { type: 'string' }],
  };
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = {
    anyOf: [{ type: 'string', pattern: QUANTITY }, { type: 'number' }],
  };
  return definitions;
}

function rewrite(node: any): any {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/definitions/', 'k8s#/definitions/');
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as object).map(([p, s]) => [p, rewrite(s)]));
    } else if (key === 'description' || key.startsWith('x-kubernetes-')) {
      continue;
    } else {
      out[key] = rewrite(value);
    }
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.format === 'int-or-string') {
    delete out.format;
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}
