import { ChildProcessByStdio, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import * as tls from 'tls';
import { parseAllDocuments, stringify } from 'yaml';
import { applyableYaml } from '../cluster/dist';
import { filesUnder, Manifest, waitFor } from '../support';

/** Result of a command run on one of the site's hosts. */
export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command on a host of the site: `master` is where the tests run (a client on the LAN), `node0`-`node3`
 * are the router and the workers, each a network namespace made by scripts/node/with-site.sh.
 */
export function onHost(host: 'master' | 'node0' | 'node1' | 'node2' | 'node3' | 'node4', command: string, args: string[], input?: string): RunResult {
  const out = host === 'master'
    ? spawnSync(command, args, { input, encoding: 'utf-8', timeout: 60_000 })
    : spawnSync('nsenter', [`--net=/run/netns/vsn-${host}`, command, ...args], { input, encoding: 'utf-8', timeout: 60_000 });
  return { status: out.status ?? -1, stdout: out.stdout ?? '', stderr: out.stderr ?? String(out.error ?? '') };
}

/** How {@link get} reaches a name without DNS, and whom it trusts over HTTPS. */
export interface GetOptions {
  /** The address the URL's host is reached at (as DNS pointing the name at the VIP would). @default - the URL's host */
  readonly address?: string;
  /** The CA certificates (PEM) an HTTPS answer must chain to. @default - none trusted: every HTTPS request fails */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** One HTTP(S) GET on a new connection (as a browser's first request), never throwing; redirects are not followed. */
export function get(url: string, options: GetOptions = {}): Promise<{ status: number; body: string; error?: string; location?: string }> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const lookup = options.address
    // Node asks for every address (`all`, for its happy-eyeballs connect) or for one
    ? (_host: string, opts: { all?: boolean }, cb: (err: Error | null, address: any, family?: number) => void) =>
      (opts?.all ? cb(null, [{ address: options.address!, family: 4 }]) : cb(null, options.address!, 4))
    : undefined;
  return new Promise((resolve) => {
    const handle = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf-8'), ...(res.headers.location ? { location: res.headers.location } : {}),
      }));
      res.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    };
    const req = url.startsWith('https:')
      ? https.get(url, { agent: false, timeout: timeoutMs, ca: options.ca ?? [], lookup: lookup as any }, handle)
      : http.get(url, { agent: false, timeout: timeoutMs, lookup: lookup as any }, handle);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

/** What a bounded request loop saw. */
export interface LoopReport {
  readonly requests: number;
  readonly failed: number;
  readonly seconds: number;
  /** The longest time without a successful answer (between two successes, or from the start or to the end). */
  readonly longestGapSeconds: number;
  /** From the first failed request to the last (0 with fewer than two). */
  readonly failureSpanSeconds: number;
  /** The first few failures, for the error message. */
  readonly failures: string[];
}

/**
 * A request loop in a process of its own (request-loop.ts): a GET to `url` every `intervalMs` on a new connection,
 * bounded in count and time; a request fails on any answer but 200 with `expectBody`, or none within `timeoutMs` (2 s). Over HTTPS,
 * the answer must chain to `ca`; `address` reaches the URL's host without DNS.
 */
export class RequestLoop {
  /** Starts the loop and resolves once it sends. */
  public static async start(url: string, expectBody: string,
    options: { intervalMs?: number; maxRequests?: number; maxSeconds?: number; address?: string; ca?: string; timeoutMs?: number } = {}) {
    const bodyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loop-')), 'expected');
    fs.writeFileSync(bodyFile, expectBody);
    fs.writeFileSync(`${bodyFile}.ca`, options.ca ?? '');
    const child = spawn('node', ['-r', 'ts-node/register', path.join(__dirname, 'request-loop.ts'), url, bodyFile,
      String(options.intervalMs ?? 50), String(options.maxRequests ?? 4000), String(options.maxSeconds ?? 180), String(options.timeoutMs ?? 2000)],
    {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: path.join(__dirname, '../tsconfig.json'), LOOP_ADDRESS: options.address ?? '' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const ended = new Promise<LoopReport>((resolve, reject) => child.on('exit', (code) => {
      fs.rmSync(path.dirname(bodyFile), { recursive: true, force: true });
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last)); else reject(new Error(`request loop exited ${code}: ${out}`));
    }));
    await waitFor('the request loop to start', 30, () => (out.startsWith('ready') ? true : undefined), { intervalMs: 50 });
    return new RequestLoop(child, ended);
  }

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>, private readonly ended: Promise<LoopReport>) {}

  /** Stops the loop and returns what it saw. */
  public stop(): Promise<LoopReport> {
    this.child.stdin.write('stop\n');
    return this.ended;
  }
}

/**
 * The node tier's copy of an app folder: the cluster tier's applyable YAML (PodDisruptionBudgets lowered to
 * policy/v1beta1 on a 1.20 server, `lowered` of them), and, since this kernel has no NFS client, each
 * PersistentVolume's `nfs` source (and its NFS mount options) turned into a `hostPath` folder of this machine,
 * `<nas>/<export path>`, which every node of the tier shares as they would share the NAS. Nothing else changes; `changed` lists the
 * volumes.
 */
export function lowerForNodeTier(dir: string, nas: string): { objects: Manifest[]; yaml: string; changed: string[]; lowered: number } {
  const { yaml, lowered } = applyableYaml(dir);
  const changed: string[] = [];
  const objects = parseAllDocuments(yaml).map((d) => d.toJSON() as any).filter(Boolean).map((o) => {
    if (o.kind !== 'PersistentVolume' || !o.spec?.nfs) return o;
    const { nfs: _nfs, mountOptions: _options, ...rest } = o.spec;
    changed.push(`PersistentVolume/${o.metadata.name}: nfs -> hostPath`);
    return { ...o, spec: { ...rest, hostPath: { path: path.join(nas, o.spec.nfs.path), type: 'Directory' } } };
  });
  // YAML 1.1, as kubectl reads it: strings such as "on" stay quoted
  return { objects, yaml: objects.map((o) => stringify(o, { version: '1.1' })).join('---\n'), changed, lowered };
}

/**
 * Private keys in an image (a docker-archive): every file of every layer named like an SSH host key, or under
 * etc/ holding a PEM or OpenSSH private key. (Libraries under usr/ contain the PEM markers as strings, so file
 * contents are read under etc/ only.)
 */
export function privateKeysIn(archive: string): string[] {
  const manifest = JSON.parse(spawnSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf-8' }).stdout);
  const found: string[] = [];
  for (const layer of manifest[0].Layers as string[]) {
    const tarOfLayer = spawnSync('tar', ['-xOf', archive, layer], { maxBuffer: 1024 * 1024 * 1024 }).stdout;
    const files = spawnSync('tar', ['-t'], { input: tarOfLayer, encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024 }).stdout.split('\n').filter(Boolean);
    for (const file of files.filter((f) => /(^|\/)ssh_host_[a-z0-9]+_key$/.test(f))) found.push(`${layer}: ${file}`);
    // Every regular file under etc/ of the layer, extracted once into a scratch folder.
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'layer-'));
    spawnSync('tar', ['-x', '-C', scratch, '--wildcards', 'etc/*', './etc/*'],
      { input: tarOfLayer, maxBuffer: 256 * 1024 * 1024 });
    for (const file of filesUnder(path.join(scratch, 'etc')).map((f) => path.join(scratch, 'etc', f))) {
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(fs.readFileSync(file, 'latin1'))) found.push(`${layer}: ${path.relative(scratch, file)}`);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return [...new Set(found)].sort();
}

/** The certificate a TLS server at `address`:`port` presents for `servername` (SNI), and whether it chains to `ca`. */
export function peerCertificate(address: string, servername: string, ca: string, port = 443):
Promise<{ fingerprint: string; serial: string; authorized: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: address, port, servername, ca, rejectUnauthorized: false, timeout: 3000 }, () => {
      const cert = socket.getPeerCertificate();
      const error = socket.authorizationError?.toString();
      resolve({ fingerprint: cert.fingerprint256, serial: cert.serialNumber, authorized: socket.authorized, error });
      socket.end();
    });
    socket.on('timeout', () => socket.destroy(new Error('no TLS answer within 3 s')));
    socket.on('error', (e) => resolve({ fingerprint: '', serial: '', authorized: false, error: e.message }));
  });
}
