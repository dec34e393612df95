import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { SiteError } from './errors';

/**
 * A file a node needs that no API server takes: a static Pod for `/etc/kubernetes/manifests`, a keepalived.conf, a
 * kubeadm configuration. The app's synth writes it under its output folder, in a sub-folder (`control-plane/...`),
 * never beside the manifests: `kubectl apply -f dist/<app>` reads only the folder's own files, so a static Pod there
 * is never applied to the cluster.
 */
export interface NodeFile {
  /** Path under the app's output folder, with `/` and at least one folder (`control-plane/1-master1/etc/haproxy/haproxy.cfg`). */
  readonly path: string;
  /** The file's text. */
  readonly content: string;
  /** Whether the file is a program (a health-check script): mode 0755 instead of 0644. @default false */
  readonly executable?: boolean | undefined;
}

const ROOT_FILES = Symbol.for('@cdk8s-vserver/core.NodeFiles');

/**
 * The node files of one app: constructs add what they render (lazily, once every prop is known), and the app's
 * synth writes them all (`synthApp` of `@cdk8s-vserver/hosting`, or `NodeFiles.of(app).writeTo(outdir)` after a plain
 * `app.synth()`).
 */
export class NodeFiles {
  /** The node files of the app `scope` belongs to. */
  public static of(scope: IConstruct): NodeFiles {
    const root = scope.node.root as IConstruct & { [ROOT_FILES]?: NodeFiles | undefined };
    if (!root[ROOT_FILES]) Object.defineProperty(root, ROOT_FILES, { value: new NodeFiles() });
    return root[ROOT_FILES]!;
  }

  private readonly sources: { scope: IConstruct; render: () => NodeFile[] }[] = [];

  private constructor() {}

  /** Adds the files `render` returns when the app writes them; `scope` is named in any error about them. */
  public add(scope: IConstruct, render: () => NodeFile[]): void {
    this.sources.push({ scope, render });
  }

  /** Every file, sorted by path; throws on a path that is absolute, climbs out, sits beside the manifests, or is added twice. */
  public list(): NodeFile[] {
    const seen = new Map<string, IConstruct>();
    const files: NodeFile[] = [];
    for (const { scope, render } of this.sources) {
      for (const file of render()) {
        const parts = file.path.split('/');
        if (file.path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..') || parts.length < 2) {
          throw SiteError.atConstruct(scope, `node file "${file.path}" must be a relative path inside a folder of the app's output `
            + '(such as control-plane/1-master1/etc/haproxy/haproxy.cfg), without "." or ".." parts');
        }
        const other = seen.get(file.path);
        if (other) throw SiteError.atConstruct(scope, `node file "${file.path}" is also written by ${other.node.path}: give each file one owner`);
        seen.set(file.path, scope);
        files.push(file);
      }
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Writes every file under `outdir`; returns their paths relative to it, sorted. */
  public writeTo(outdir: string): string[] {
    return this.list().map((file) => {
      const target = path.join(outdir, ...file.path.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content, { mode: file.executable ? 0o755 : 0o644 });
      // the mode as asked, whatever the umask
      fs.chmodSync(target, file.executable ? 0o755 : 0o644);
      return file.path;
    });
  }
}
