import * as fs from 'fs';
import * as https from 'https';
import { parse } from 'yaml';

/** A minimal HTTPS client of the Kubernetes API for the simulation, authenticated like kubectl (KUBECONFIG). */
export class KubeClient {
  /** A client for the cluster and user of the current context of `$KUBECONFIG`. */
  public static fromKubeconfig(file = process.env.KUBECONFIG): KubeClient {
    if (!file) throw new Error('KUBECONFIG is not set');
    const config = parse(fs.readFileSync(file, 'utf-8'));
    const context = config.contexts.find((c: any) => c.name === config['current-context']).context;
    const cluster = config.clusters.find((c: any) => c.name === context.cluster).cluster;
    const user = config.users.find((u: any) => u.name === context.user).user;
    return new KubeClient(new URL(cluster.server), fs.readFileSync(cluster['certificate-authority']), user.token);
  }

  private readonly agent: https.Agent;

  private constructor(private readonly server: URL, ca: Buffer, private readonly token: string) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 8 });
  }

  public get<T = any>(path: string): Promise<T> {
    return this.request('GET', path);
  }

  public create<T = any>(path: string, body: unknown): Promise<T> {
    return this.request('POST', path, body, 'application/json');
  }

  /** A JSON merge patch. */
  public mergePatch<T = any>(path: string, body: unknown): Promise<T> {
    return this.request('PATCH', path, body, 'application/merge-patch+json');
  }

  /** A strategic merge patch (lists with a merge key, such as node conditions by `type`, are merged). */
  public strategicPatch<T = any>(path: string, body: unknown): Promise<T> {
    return this.request('PATCH', path, body, 'application/strategic-merge-patch+json');
  }

  public delete<T = any>(path: string, body?: unknown): Promise<T> {
    return this.request('DELETE', path, body, body ? 'application/json' : undefined);
  }

  /** Closes the kept-alive connections. */
  public close(): void {
    this.agent.destroy();
  }

  private request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request({
        method,
        agent: this.agent,
        hostname: this.server.hostname,
        port: this.server.port,
        path,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/json',
          ...(contentType ? { 'Content-Type': contentType } : {}),
          ...(payload ? { 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 20_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf-8');
          if ((res.statusCode ?? 500) >= 300) {
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
          } else {
            resolve(text ? JSON.parse(text) : undefined);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }
}
