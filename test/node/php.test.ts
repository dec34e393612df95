import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONTRACT_FILE, Ipv4Address } from '@cdk8s-vserver/core';
import { HostingSite, HostingSiteProps, synthApp } from '@cdk8s-vserver/hosting';
import { DatabaseVolume } from '@cdk8s-vserver/storage';
import { VipBackend } from '@cdk8s-vserver/vip';
import { PhpVersion, ServerCertificate } from '@cdk8s-vserver/web-ssh-server';
import { Size } from 'cdk8s';
import { operatorCli, resticOutside, runCronJob, succeededCronJob } from './backup-jobs';
import { makeSshSecrets, sftp as sftpBatch } from './customer';
import { podMemory, podProcesses } from './processes';
import { lowerForNodeTier, onHost, RequestLoop } from './site-client';
import { LAB } from '../../apps/lab/site';
import { emittedCrdFiles } from '../backend-sites';
import { createNamespaces, installCustomResourceDefinitions } from '../cluster/dist';
import { getJson, isPodReady, kubectl, requireControlPlane } from '../cluster/kubectl';
import { waitFor } from '../support';

// PHP on real kubelets: a server with `php` (php-fpm from our Debian 13 image beside httpd and sshd) and a cron job,
// and a static server beside it as the negative control, both of one site declared here on the MetalLB backend. A
// customer uploads PHP over SFTP through the VIP and a real client (curl) gets what a visitor would get over HTTPS.
// MetalLB cannot run here (its images come from quay.io): as in load-balancer.test.ts, the test puts each VIP on a
// router and into its Service's status, and real kube-proxy forwards it. The CronJob is run by the real
// controller manager on its schedule.
requireControlPlane();
jest.setTimeout(240_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-php-'));
const nas = path.join(tmp, 'nas');
const NS = 'lab-php';
const SHOP = { name: 'shop', vip: '192.168.1.43', host: 'shop.lab.test', exportPath: '/export/web/lab-php-shop' };
const PLAIN = { name: 'plain', vip: '192.168.1.44', exportPath: '/export/web/lab-php-plain' };
// a second PHP customer with a database of its own: the other customer of the negative control
const BLOG = { name: 'blog', vip: '192.168.1.45', host: 'blog.lab.test', exportPath: '/export/web/lab-php-blog' };
const BLOG_TITLE = 'The Lab Bakery Blog';
const DB_NS = `${NS}-database`;
const BACKUP_ROOT = '/export/backup/lab-php';
// the database's data: a local volume on node1 (this machine's disk, which the node shares)
const dbData = path.join(tmp, 'mariadb');
const SITE = (version: string): HostingSiteProps => ({
  name: NS,
  facts: {
    ...LAB.facts,
    namespace: NS,
    vipBackend: VipBackend.metalLb({ name: NS }),
    dashboard: undefined,
    // every docroot backed up with restic to the NAS's backup export, and the blog's and the shop's databases dumped
    backup: { exportRoot: BACKUP_ROOT },
    logs: undefined,
    controlPlane: undefined,
    certificate: undefined,
    // a fixed cluster IP: the tier has no cluster DNS (no CoreDNS can be built here), and PHP then needs none
    database: { volume: DatabaseVolume.local({ node: 'node1', path: dbData, size: Size.gibibytes(2) }), version: 'v1', clusterIp: Ipv4Address.of('10.96.0.53') },
  },
  servers: [
    {
      name: SHOP.name,
      address: Ipv4Address.of(SHOP.vip),
      version,
      replicas: 2,
      hostnames: [SHOP.host],
      certificate: ServerCertificate.fromSecret('shop-tls'),
      docroot: { exportPath: SHOP.exportPath, volumeName: 'lab-php-shop-docroot' },
      php: { version: PhpVersion.V8_4, frontController: true, uploadMaxSize: Size.mebibytes(2), timezone: 'Asia/Tokyo' },
      cron: [{ name: 'tick', schedule: '* * * * *', command: 'php tick.php' }],
      database: true,
    },
    {
      name: BLOG.name,
      address: Ipv4Address.of(BLOG.vip),
      version,
      replicas: 2,
      hostnames: [BLOG.host],
      certificate: ServerCertificate.fromSecret('blog-tls'),
      docroot: { exportPath: BLOG.exportPath, volumeName: 'lab-php-blog-docroot' },
      // WordPress, as the agency's bakery declares it
      php: { version: PhpVersion.V8_4, frontController: true, uploadMaxSize: Size.mebibytes(8) },
      cron: [{ name: 'wp-cron', schedule: '* * * * *', command: 'php wp-cron.php' }],
      database: true,
    },
    {
      name: PLAIN.name,
      address: Ipv4Address.of(PLAIN.vip),
      version: 'v1',
      replicas: 1,
      docroot: { exportPath: PLAIN.exportPath, volumeName: 'lab-php-plain-docroot' },
    },
  ],
});

/** The customer's PHP, uploaded over SFTP. */
const FILES: Record<string, string> = {
  'index.php': '<?php echo "shop sum=", 6 * 7, " sapi=", PHP_SAPI, " uid=", posix_geteuid(), " https=", $_SERVER["HTTPS"] ?? "off", '
    + '" tz=", date_default_timezone_get(), " upload_max=", ini_get("upload_max_filesize"), "\\n";\n',
  'route.php': '<?php echo "route ", $_SERVER["REQUEST_URI"], "\\n";\n',
  'session.php': '<?php session_start(); $_SESSION["n"] = ($_SESSION["n"] ?? 0) + 1; echo "n=", $_SESSION["n"], " host=", gethostname(), "\\n";\n',
  'upload.php': '<?php $f = $_FILES["f"]; if ($f["error"] !== UPLOAD_ERR_OK) { http_response_code(400); echo "error ", $f["error"], "\\n"; exit; }\n'
    + '$to = __DIR__ . "/wp-content/uploads/" . basename($f["name"]); echo move_uploaded_file($f["tmp_name"], $to) ? "stored " . basename($to) : "not stored", "\\n";\n',
  'tick.php': '<?php file_put_contents(__DIR__ . "/tick.txt", "uid=" . posix_geteuid() . " tz=" . date_default_timezone_get() . " sapi=" . PHP_SAPI . "\\n");\n',
  'evil.php': '<?php echo "ran\\n";\n',
  'posts.php': '<?php $db = new mysqli(getenv("DB_HOST"), getenv("DB_USER"), getenv("DB_PASSWORD"), getenv("DB_NAME"), (int) getenv("DB_PORT"));\n'
    + '$db->query("CREATE TABLE IF NOT EXISTS posts (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(200) NOT NULL) ENGINE=InnoDB");\n'
    + 'if (isset($_POST["title"])) { $q = $db->prepare("INSERT INTO posts (title) VALUES (?)"); $q->bind_param("s", $_POST["title"]); $q->execute(); }\n'
    + '$titles = []; foreach ($db->query("SELECT title FROM posts ORDER BY id") as $row) { $titles[] = $row["title"]; }\n'
    + 'echo "posts in ", getenv("DB_NAME"), ": ", implode(", ", $titles), "\\n";\n',
  'wp-content/uploads/evil.php': '<?php echo "ran\\n";\n',
};
const INDEX = 'shop sum=42 sapi=fpm-fcgi uid=1000 https=on tz=Asia/Tokyo upload_max=2M\n';

const keys = path.join(tmp, 'keys');
const ca = path.join(keys, 'ca.crt');
const figures: Record<string, unknown> = {};

/** curl on the LAN (the master), the shop's name pointed at `address`, trusting the lab's CA; body and status. */
function curl(url: string, args: string[] = [], address = SHOP.vip): { status: number; body: string } {
  const { hostname, port: given } = new URL(url);
  const port = given || (url.startsWith('https:') ? '443' : '80');
  const out = spawnSync('curl', ['-sS', '--max-time', '30', '--cacert', ca, '--resolve', `${hostname}:${port}:${address}`, '-w', '\n%{http_code}', ...args, url],
    { encoding: 'utf-8' });
  // the body, and the status on a line curl adds after it
  const end = out.stdout.lastIndexOf('\n');
  return { status: Number(out.stdout.slice(end + 1)), body: out.stdout.slice(0, Math.max(end, 0)) };
}
const shop = (p: string, args: string[] = []) => curl(`https://${SHOP.host}${p}`, args);
const pods = (server: string) => getJson(['pods', '-n', NS, '-l', `app.kubernetes.io/instance=${server}`]).items.filter((p: any) => !p.metadata.deletionTimestamp);

/** The CA and the shop's certificate (the operator's bought one, as a kubernetes.io/tls Secret). */
function makeCertificate(): void {
  const openssl = (args: string[]) => {
    const out = spawnSync('openssl', args, { encoding: 'utf-8' });
    if (out.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${out.stderr}`);
  };
  const at = (f: string) => path.join(keys, f);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('ca.key'), '-out', ca, '-subj', '/CN=lab-php test CA', '-days', '2']);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('tls.key'), '-out', at('tls.csr'), '-subj', `/CN=${SHOP.host}`]);
  fs.writeFileSync(at('san.ext'), `subjectAltName=DNS:${SHOP.host},DNS:${BLOG.host}\n`);
  openssl(['x509', '-req', '-in', at('tls.csr'), '-CA', ca, '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('tls.crt'), '-days', '2', '-extfile', at('san.ext')]);
  for (const secret of ['shop-tls', 'blog-tls']) kubectl(['create', 'secret', 'tls', secret, '-n', NS, `--cert=${at('tls.crt')}`, `--key=${at('tls.key')}`]);
}

/** Uploads the customer's files over SFTP through the server's VIP, as web with the customer's key. */
function sftpUpload(vip: string, knownHosts: string): void {
  const local = path.join(tmp, 'upload');
  for (const [file, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(local, file)), { recursive: true });
    fs.writeFileSync(path.join(local, file), text);
  }
  sftp(vip, knownHosts, ['-mkdir wp-content', '-mkdir wp-content/uploads', ...Object.keys(FILES).map((f) => `put ${path.join(local, f)} ${f}`)]);
}

/** An sftp batch through the server's VIP, as web with the customer's key. */
function sftp(vip: string, knownHosts: string, batch: string[]): void {
  const out = sftpBatch(keys, vip, 22, knownHosts, batch);
  if (out.status !== 0) throw new Error(`sftp to ${vip} failed: ${out.stderr}`);
}

/** The VIP on the router and in the Service's status: MetalLB's two jobs, done by hand (load-balancer.test.ts). */
function announce(service: string, vip: string): void {
  onHost('node0', 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'eth0']);
  kubectl(['patch', 'service', service, '-n', NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: vip }] } } })]);
}

async function rolledOut(server: string, replicas: number, version: string): Promise<any[]> {
  return waitFor(`${server} to run ${version} on ${replicas} ready pods`, 300, () => {
    const d = getJson(['deployment', server, '-n', NS]);
    const live = pods(server);
    return d.status.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === replicas && live.length === replicas
      && live.every((p: any) => isPodReady(p) && p.spec.containers.every((c: any) => c.image.endsWith(`:${version}`))) ? live : undefined;
  }, { intervalMs: 500 });
}

function apply(version: string): void {
  const dir = synthApp(path.join(tmp, `dist-${version}`), (app) => new HostingSite(app, 'Site', SITE(version))).outdir;
  kubectl(['apply', '-f', '-'], lowerForNodeTier(dir, nas).yaml);
}

let shopKnownHosts: string;
let plainKnownHosts: string;
let blogKnownHosts: string;

beforeAll(async () => {
  fs.mkdirSync(dbData, { mode: 0o750 });
  fs.chownSync(dbData, 999, 999);
  for (const folder of [SHOP, PLAIN, BLOG].flatMap((s) => [s.exportPath, `${BACKUP_ROOT}/${s.name}`])) {
    fs.mkdirSync(path.join(nas, folder), { recursive: true, mode: 0o755 });
    fs.chownSync(path.join(nas, folder), 1000, 1000);
  }
  fs.mkdirSync(keys, { recursive: true, mode: 0o700 });
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'customer@lan', '-f', path.join(keys, 'user')]);
  installCustomResourceDefinitions(emittedCrdFiles());
  const dir = synthApp(path.join(tmp, 'dist-v1'), (app) => new HostingSite(app, 'Site', SITE('v1'))).outdir;
  createNamespaces(lowerForNodeTier(dir, nas).objects);
  makeCertificate();
  shopKnownHosts = makeSshSecrets(keys, NS, SHOP.name, SHOP.vip);
  plainKnownHosts = makeSshSecrets(keys, NS, PLAIN.name, PLAIN.vip);
  blogKnownHosts = makeSshSecrets(keys, NS, BLOG.name, BLOG.vip);
  // the database's Secrets, by the commands the operator's contract gives (the admin's, each customer's and its copy),
  // and each backup repository's password
  const contract = JSON.parse(fs.readFileSync(path.join(dir, CONTRACT_FILE), 'utf-8'));
  for (const secret of contract.secrets.filter((s: any) => s.name === 'mariadb-admin' || /-(database|restic)$/.test(s.name))) {
    const made = spawnSync('bash', ['-euo', 'pipefail', '-c', secret.command], { encoding: 'utf-8' });
    if (made.status !== 0 && !/already exists/.test(made.stderr)) throw new Error(`${secret.command}: ${made.stderr}`);
  }
  apply('v1');
  await rolledOut(SHOP.name, 2, 'v1');
  await rolledOut(PLAIN.name, 1, 'v1');
  await rolledOut(BLOG.name, 2, 'v1');
  announce(SHOP.name, SHOP.vip);
  announce(PLAIN.name, PLAIN.vip);
  announce(BLOG.name, BLOG.vip);
  await waitFor('the VIPs to answer', 60, () => (curl(`http://${SHOP.host}/healthz`).status === 200
    && curl(`http://${SHOP.host}/healthz`, [], PLAIN.vip).status === 200 ? true : undefined));
});

afterAll(() => {
  for (const vip of [SHOP.vip, PLAIN.vip, BLOG.vip]) onHost('node0', 'ip', ['addr', 'del', `${vip}/32`, 'dev', 'eth0']);
  kubectl(['delete', 'namespace', NS, DB_NS, '--wait=false']);
  kubectl(['delete', 'persistentvolume', 'lab-php-shop-docroot', 'lab-php-plain-docroot', 'lab-php-blog-docroot', `${DB_NS}-mariadb-data`, '--wait=false']);
  fs.mkdirSync(path.join(__dirname, '../../test-reports'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '../../test-reports/node-tier-php.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`node tier PHP figures:\n${JSON.stringify(figures, null, 2)}`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('PHP uploaded over SFTP runs, served over HTTPS through the VIP', () => {
  test('before the upload the shop answers, but not with the page (negative control)', () => {
    expect(shop('/').body).not.toBe(INDEX);
  });

  test('sftp as web through each VIP, with the customer\'s key and the host key pinned from the Secret', () => {
    // (what the cron job writes: not there before its script is)
    expect(fs.existsSync(path.join(nas, SHOP.exportPath, 'tick.txt'))).toBe(false);
    sftpUpload(SHOP.vip, shopKnownHosts);
    sftpUpload(PLAIN.vip, plainKnownHosts);
    expect(fs.readFileSync(path.join(nas, SHOP.exportPath, 'index.php'), 'utf-8')).toBe(FILES['index.php']);
    expect(fs.statSync(path.join(nas, SHOP.exportPath, 'index.php')).uid).toBe(1000);
  });

  test("index.php runs in php-fpm as web (1000), knows it came over HTTPS, and has the declaration's time zone and upload size", () => {
    expect(shop('/')).toEqual({ status: 200, body: INDEX });
  });

  test('negative control: the static server beside it sends the same file as it is, source and all', () => {
    const plain = curl(`http://${SHOP.host}/index.php`, [], PLAIN.vip);
    expect(plain).toEqual({ status: 200, body: FILES['index.php'] });
  });

  test('every replica runs it (each pod reached on its own address)', () => {
    const live = pods(SHOP.name);
    expect(live).toHaveLength(2);
    for (const pod of live) {
      expect(curl(`https://${SHOP.host}:8443/`, [], pod.status.podIP)).toEqual({ status: 200, body: INDEX });
    }
  });

  test('a PHP file under uploads/ is refused (403); the same file outside it runs (the rule is the folder)', () => {
    expect(shop('/wp-content/uploads/evil.php').status).toBe(403);
    expect(shop('/evil.php')).toEqual({ status: 200, body: 'ran\n' });
  });

  test('pretty links: a path the docroot does not have goes to index.php; the static server answers 404 (negative control)', () => {
    expect(shop('/2026/12/hello-world/')).toEqual({ status: 200, body: INDEX });
    expect(curl(`http://${SHOP.host}/2026/12/hello-world/`, [], PLAIN.vip).status).toBe(404);
  });
});

describe('what PHP writes is the customer\'s', () => {
  test('an image uploaded through PHP is stored on the NAS as web\'s, 0644, and served back byte for byte', () => {
    const image = path.join(tmp, 'cake.png');
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256));
    fs.writeFileSync(image, bytes);
    expect(shop('/upload.php', ['-F', `f=@${image}`])).toEqual({ status: 200, body: 'stored cake.png\n' });
    const stored = path.join(nas, SHOP.exportPath, 'wp-content/uploads/cake.png');
    expect(fs.readFileSync(stored).equals(bytes)).toBe(true);
    const stat = fs.statSync(stored);
    expect([stat.uid, (stat.mode % 0o1000).toString(8)]).toEqual([1000, '644']);
    const served = spawnSync('curl', ['-sS', '--cacert', ca, '--resolve', `${SHOP.host}:443:${SHOP.vip}`, `https://${SHOP.host}/wp-content/uploads/cake.png`]);
    expect(Buffer.from(served.stdout).equals(bytes)).toBe(true);
  });

  test('a file over the declared upload size (2 MiB) is refused by PHP itself (UPLOAD_ERR_INI_SIZE), nothing stored', () => {
    const big = path.join(tmp, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(Math.floor(2.5 * 2 ** 20), 1));
    expect(shop('/upload.php', ['-F', `f=@${big}`])).toEqual({ status: 400, body: 'error 1\n' });
    expect(fs.existsSync(path.join(nas, SHOP.exportPath, 'wp-content/uploads/big.bin'))).toBe(false);
  });

  test("a visitor's session holds on every replica (sessions on the NAS); a request without the cookie starts anew (negative control)", () => {
    const jar = path.join(tmp, 'cookies');
    const [a, b] = pods(SHOP.name);
    const at = (pod: any) => curl(`https://${SHOP.host}:8443/session.php`, ['-b', jar, '-c', jar], pod.status.podIP).body;
    expect(at(a)).toBe(`n=1 host=${a.metadata.name}\n`);
    expect(at(b)).toBe(`n=2 host=${b.metadata.name}\n`);
    expect(at(a)).toBe(`n=3 host=${a.metadata.name}\n`);
    expect(curl(`https://${SHOP.host}:8443/session.php`, [], b.status.podIP).body).toBe(`n=1 host=${b.metadata.name}\n`);
    const sessions = path.join(nas, SHOP.exportPath, '.php/sessions');
    expect(fs.readdirSync(sessions).filter((f) => f.startsWith('sess_')).length).toBeGreaterThanOrEqual(2);
    // a dot folder: never served
    expect(shop(`/.php/sessions/${fs.readdirSync(sessions)[0]}`).status).toBe(403);
  });
});

describe("each customer's database on the site's MariaDB", () => {
  const dbPod = () => getJson(['pods', '-n', DB_NS, '-l', 'app.kubernetes.io/name=site-database']).items.find((p: any) => !p.metadata.deletionTimestamp);
  const post = (title: string) => shop('/posts.php', ['--data-urlencode', `title=${title}`]);
  /** PHP run in a pod's php container (kubectl exec), as the customer's code would run it. */
  const phpIn = (server: string, code: string) => kubectl(['exec', '-n', NS, pods(server)[0].metadata.name, '-c', 'php', '--', 'php', '-r', code]).trim();
  // (PHP 8.1 and later throw on a refused connection)
  const open = (database: string) => `try { new mysqli(getenv("DB_HOST"), getenv("DB_USER"), getenv("DB_PASSWORD"), "${database}", (int) getenv("DB_PORT")); `
    + 'echo "opened"; } catch (mysqli_sql_exception $e) { echo "refused ", $e->getCode(); }';

  test('the Job made each customer\'s database and user; MariaDB runs as mysql (999) on the local volume, and says how it does I/O', async () => {
    await waitFor('the customers\' Jobs to complete', 180, () => {
      const jobs = getJson(['jobs', '-n', DB_NS]).items;
      return jobs.length === 2 && jobs.every((j: any) => j.status.succeeded === 1) ? jobs : undefined;
    }, { intervalMs: 2000 });
    const log = kubectl(['logs', '-n', DB_NS, dbPod().metadata.name]);
    expect(log).toMatch(/ready for connections/);
    figures.innodbIo = log.split('\n').filter((l) => /io_uring|native AIO|aio/i.test(l)).map((l) => l.replace(/^\S+ \S+ \d+ /, ''));
    expect(fs.existsSync(path.join(dbData, 'ibdata1'))).toBe(true);
    expect(fs.statSync(path.join(dbData, 'ibdata1')).uid).toBe(999);
    const [proc] = podProcesses(dbPod()).mariadb;
    expect({ uid: proc.uids[0], capEff: proc.capEff, noNewPrivs: proc.noNewPrivs }).toEqual({ uid: 999, capEff: '0000000000000000', noNewPrivs: '1' });
  });

  test('PHP writes posts to its database and reads them back, over HTTPS through the VIP, on every replica', () => {
    expect(post('Fresh bread')).toEqual({ status: 200, body: 'posts in shop: Fresh bread\n' });
    expect(post('Cinnamon rolls')).toEqual({ status: 200, body: 'posts in shop: Fresh bread, Cinnamon rolls\n' });
    for (const pod of pods(SHOP.name)) {
      expect(curl(`https://${SHOP.host}:8443/posts.php`, [], pod.status.podIP).body).toBe('posts in shop: Fresh bread, Cinnamon rolls\n');
    }
  });

  test("another customer's credentials cannot open this customer's database (negative control: they open their own)", () => {
    sftpUpload(BLOG.vip, blogKnownHosts);
    expect(phpIn(BLOG.name, open('blog'))).toBe('opened');
    // 1044: access denied to database
    expect(phpIn(BLOG.name, open('shop'))).toBe('refused 1044');
    expect(phpIn(SHOP.name, open('shop'))).toBe('opened');
  });

  test('a killed database pod comes back on its volume with the posts intact', async () => {
    const before = dbPod();
    kubectl(['delete', 'pod', '-n', DB_NS, before.metadata.name, '--grace-period=0', '--force']);
    await waitFor('the database pod to be back and ready', 180, () => {
      const now = dbPod();
      return now && now.metadata.uid !== before.metadata.uid && isPodReady(now) ? now : undefined;
    }, { intervalMs: 1000 });
    const back = await waitFor('PHP to read the posts again', 60, () => {
      const r = shop('/posts.php');
      return r.status === 200 ? r : undefined;
    }, { intervalMs: 1000 });
    expect(back.body).toBe('posts in shop: Fresh bread, Cinnamon rolls\n');
    figures.database = { idle: podMemory(dbPod()) };
  });
});

describe('WordPress, as a customer installs it: uploaded over SFTP, installed over HTTPS through the VIP', () => {
  const blog = (p: string, args: string[] = [], address = BLOG.vip) => curl(`https://${BLOG.host}${p}`, args, address);
  const wordpress = path.join(process.env.VSERVER_IMAGES!, 'wordpress', 'wordpress');
  const jar = path.join(tmp, 'wp-cookies');
  const password = `pw-${Date.now()}-Lab!`;

  test("Debian 13's WordPress files go up over SFTP, with a wp-config.php that reads the database from PHP's environment", () => {
    const salt = () => Array.from({ length: 8 }, (_, i) => `define('${['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
      'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'][i]}', '${Buffer.from(`${Math.random()}${i}`).toString('base64')}');`).join('\n');
    const config = path.join(tmp, 'wp-config.php');
    fs.writeFileSync(config, [
      '<?php',
      "define('DB_NAME', getenv('DB_NAME'));", "define('DB_USER', getenv('DB_USER'));", "define('DB_PASSWORD', getenv('DB_PASSWORD'));",
      "define('DB_HOST', getenv('DB_HOST') . ':' . getenv('DB_PORT'));", "define('DB_CHARSET', 'utf8mb4');", "define('DB_COLLATE', '');",
      salt(), "$table_prefix = 'wp_';",
      // the cron job runs wp-cron.php; PHP writes the files itself (it runs as the files' owner)
      "define('DISABLE_WP_CRON', true);", "define('FS_METHOD', 'direct');", "define('WP_DEBUG', false);",
      `define('WP_HOME', 'https://${BLOG.host}');`, `define('WP_SITEURL', 'https://${BLOG.host}');`,
      "if (!defined('ABSPATH')) { define('ABSPATH', __DIR__ . '/'); }", "require_once ABSPATH . 'wp-settings.php';", '',
    ].join('\n'));
    const started = Date.now();
    sftp(BLOG.vip, blogKnownHosts, [`lcd ${wordpress}`, 'put -r *', `put ${config} wp-config.php`]);
    figures.wordpressUploadSeconds = +((Date.now() - started) / 1000).toFixed(1);
    expect(fs.readFileSync(path.join(nas, BLOG.exportPath, 'wp-includes/version.php'), 'utf-8')).toMatch(/\$wp_version = '6\.8/);
  });

  test('before the install, WordPress sends the visitor to its installer (negative control of the title below)', () => {
    const before = blog('/');
    expect(before.status).toBe(302);
    expect(blog('/', ['-L']).body).not.toContain(BLOG_TITLE);
  });

  test('the install form, posted with curl over HTTPS through the VIP, installs the blog into its database', () => {
    const out = blog('/wp-admin/install.php?step=2', ['--data-urlencode', `weblog_title=${BLOG_TITLE}`, '--data-urlencode', 'user_name=baker',
      '--data-urlencode', `admin_password=${password}`, '--data-urlencode', `admin_password2=${password}`, '--data-urlencode', 'pw_weak=1',
      '--data-urlencode', `admin_email=baker@${BLOG.host}`, '--data-urlencode', 'blog_public=0', '--data-urlencode', 'language=']);
    expect(out.status).toBe(200);
    expect(out.body).toContain('WordPress has been installed');
  });

  test("the front page shows the blog's title on every replica", () => {
    const live = pods(BLOG.name);
    expect(live).toHaveLength(2);
    for (const pod of live) {
      // the pod's own HTTPS port, asked for by the blog's name alone (WordPress redirects any other Host to its own)
      const page = curl(`https://${BLOG.host}/`, ['--connect-to', `${BLOG.host}:443:${pod.status.podIP}:8443`]);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`<title>${BLOG_TITLE}</title>`);
    }
  });

  test('a media upload by the logged-in baker is stored on the NAS as web\'s and served back', () => {
    const login = blog('/wp-login.php', ['-c', jar, '-b', 'wordpress_test_cookie=WP%20Cookie%20check', '--data-urlencode', 'log=baker',
      '--data-urlencode', `pwd=${password}`, '--data-urlencode', 'testcookie=1']);
    expect(login.status).toBe(302);
    const form = blog('/wp-admin/media-new.php', ['-b', jar]);
    const nonce = /"_wpnonce":"([0-9a-f]+)"/.exec(form.body)?.[1];
    expect(nonce).toBeDefined();
    const image = path.join(tmp, 'croissant.png');
    // a real PNG (1x1), so WordPress takes it as an image
    fs.writeFileSync(image, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const uploaded = blog('/wp-admin/async-upload.php', ['-b', jar, '-F', `async-upload=@${image};type=image/png`, '-F', 'name=croissant.png',
      '-F', 'action=upload-attachment', '-F', `_wpnonce=${nonce}`]);
    expect(uploaded.status).toBe(200);
    const url: string = JSON.parse(uploaded.body).data.url;
    expect(url).toMatch(new RegExp(`^https://${BLOG.host}/wp-content/uploads/\\d{4}/\\d{2}/croissant\\.png$`));
    const stored = path.join(nas, BLOG.exportPath, new URL(url).pathname);
    expect(fs.statSync(stored).uid).toBe(1000);
    expect(spawnSync('curl', ['-sS', '--cacert', ca, '--resolve', `${BLOG.host}:443:${BLOG.vip}`, url]).stdout.equals(fs.readFileSync(image))).toBe(true);
  });

  test("the cron job runs WordPress's wp-cron.php: a run of it succeeds once WordPress is installed", async () => {
    const since = Date.now();
    const job = await waitFor('a wp-cron run started after the install to succeed', 180, () => getJson(['jobs', '-n', NS, '-l', 'app.kubernetes.io/instance=blog-cron']).items
      .find((j: any) => new Date(j.status.startTime).getTime() >= since - 60_000 && j.status.succeeded === 1), { intervalMs: 2000 });
    expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'blog-wp-cron' });
  });

  test('requests per second of the front page through the VIP, at 1 and 4 clients (figures)', () => {
    const rate = (clients: number, requests: number) => {
      const started = process.hrtime.bigint();
      const out = spawnSync('curl', ['-sS', '--cacert', ca, '--resolve', `${BLOG.host}:443:${BLOG.vip}`, '-Z', '--parallel-max', String(clients),
        '-w', '%{http_code}\n', ...Array.from({ length: requests }, () => ['-o', '/dev/null', `https://${BLOG.host}/`]).flat()], { encoding: 'utf-8', timeout: 120_000 });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      expect(out.stdout.trim().split('\n').filter((code) => code === '200')).toHaveLength(requests);
      return +(requests / seconds).toFixed(1);
    };
    rate(1, 5);
    figures.wordpressFrontPage = { requestsPerSecond: { oneClient: rate(1, 40), fourClients: rate(4, 80) } };
  });
});

describe('php-fpm as the kernel sees it', () => {
  test('every php-fpm process runs as web (1000) with no capability, no_new_privs and seccomp', () => {
    const [pod] = pods(SHOP.name);
    shop('/');
    const php = podProcesses(pod).php;
    expect(php.length).toBeGreaterThanOrEqual(1);
    for (const p of php) expect({ uid: p.uids[0], capEff: p.capEff, noNewPrivs: p.noNewPrivs, seccomp: p.seccomp }).toEqual({ uid: 1000, capEff: '0000000000000000', noNewPrivs: '1', seccomp: '2' });
  });

  test('ondemand: workers start for a burst of requests and are gone 10 s after it; an idle server runs the master only', async () => {
    const [pod] = pods(SHOP.name);
    const memory = () => podMemory(pod);
    const idle = await waitFor('php-fpm to be idle (the master alone)', 60, () => (podProcesses(pod).php.length === 1 ? memory() : undefined), { intervalMs: 1000 });
    // a burst: 60 requests, 4 at a time, on the pod itself
    const urls = Array.from({ length: 60 }, () => `https://${SHOP.host}:8443/`);
    const burst = spawnSync('curl', ['-sS', '--cacert', ca, '--resolve', `${SHOP.host}:8443:${pod.status.podIP}`, '-Z', '--parallel-max', '4',
      ...urls.flatMap((u) => ['-o', '/dev/null', u])], { encoding: 'utf-8' });
    expect(burst.status).toBe(0);
    const busy = memory();
    expect(busy.php.processes).toBeGreaterThan(1);
    const calm = await waitFor('the workers to stop after 10 s idle', 60, () => (podProcesses(pod).php.length === 1 ? memory() : undefined), { intervalMs: 1000 });
    // the static server's replica, idle, beside it
    figures.oneReplica = { php: { idle, afterBurstOf60: busy, idleAgain: calm }, static: { idle: podMemory(pods(PLAIN.name)[0]) } };
    expect(calm.php.processes).toBe(1);
  });
});

describe("the customer's cron job", () => {
  test('the CronJob controller runs it on its schedule, as web in the docroot, with PHP\'s time zone (no tick.txt before its script was uploaded)', async () => {
    const tick = path.join(nas, SHOP.exportPath, 'tick.txt');
    const text = await waitFor('the cron job to have run tick.php', 150, () => (fs.existsSync(tick) ? fs.readFileSync(tick, 'utf-8') : undefined), { intervalMs: 2000 });
    expect(text).toBe('uid=1000 tz=Asia/Tokyo sapi=cli\n');
    const jobs = getJson(['jobs', '-n', NS, '-l', 'app.kubernetes.io/instance=shop-cron']).items;
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'shop-tick' });
  });
});

describe("the blog's database backed up with restic: dumped beside its docroot, loaded by the drill", () => {
  const backupFolder = path.join(nas, BACKUP_ROOT, BLOG.name);
  const repository = path.join(backupFolder, '.restic');
  const restic = (args: string[], input?: Buffer) => resticOutside(repository, NS, 'blog-restic', args, input);
  const dumps = () => JSON.parse(restic(['snapshots', '--json', '--tag', 'database'])).map((x: any) => x.short_id);
  const succeeded = (job: string, cronJob: string) => succeededCronJob(NS, cronJob, job);

  test("a backup saves a consistent dump of WordPress's database (tag database), encrypted; the customer gets it over SFTP", async () => {
    const started = Date.now();
    const logs = await succeeded('blog-backup-now', 'blog-backup');
    figures.databaseBackupSeconds = +((Date.now() - started) / 1000).toFixed(1);
    const dumped = /^vserver-backup: snapshot ([0-9a-f]{8}): database blog, (\d+) bytes dumped/m.exec(logs);
    expect(dumped).not.toBeNull();
    figures.databaseDumpBytes = Number(dumped![2]);
    expect(logs).toMatch(/^vserver-backup: verified: the repository's structure and share \d\/7 of its data read back without error$/m);
    expect(dumps()).toEqual([dumped![1]]);
    expect(JSON.parse(restic(['snapshots', '--json', '--tag', 'database']))[0].paths).toEqual(['/blog.sql']);
    // encrypted: the blog's title is in the database, nowhere in the repository as it is
    const plain = spawnSync('grep', ['-rlF', BLOG_TITLE, repository], { encoding: 'utf-8' });
    expect([plain.status, plain.stdout]).toEqual([1, '']);
    // the customer's copy, read over SFTP through the VIP as web: WordPress's tables and the title
    const copy = fs.readdirSync(backupFolder).find((f) => /^blog-\d{4}-\d{2}-\d{2}\.sql$/.test(f));
    expect(copy).toBeDefined();
    const local = path.join(tmp, 'blog-dump.sql');
    sftp(BLOG.vip, blogKnownHosts, [`get /backups/${copy} ${local}`]);
    const dump = fs.readFileSync(local, 'utf-8');
    expect(dump).toMatch(/^CREATE TABLE `wp_options`/m);
    expect(dump).toContain(BLOG_TITLE);
    expect(dump.trimEnd().split('\n').pop()).toBe('-- Dump completed');
  });

  test('the drill loads the newest dump into a scratch MariaDB of its own: every WordPress table there, each CHECK TABLE OK', async () => {
    const started = Date.now();
    const logs = await succeeded('blog-drill-now', 'blog-drill');
    figures.databaseDrillSeconds = +((Date.now() - started) / 1000).toFixed(1);
    const loaded = /^vserver-backup: drill of snapshot [0-9a-f]{8}: database blog's dump loads into a scratch MariaDB, (\d+) tables \((\d+) rows\), each CHECK TABLE OK$/m.exec(logs);
    expect(loaded).not.toBeNull();
    // WordPress makes 12 tables; its options alone are more than 100 rows
    expect(Number(loaded![1])).toBeGreaterThanOrEqual(12);
    expect(Number(loaded![2])).toBeGreaterThan(100);
    figures.databaseDrill = { tables: Number(loaded![1]), rows: Number(loaded![2]) };
  });

  test('negative control: a dump cut short, saved after the good one, fails the drill, which names it', async () => {
    const good = fs.readFileSync(path.join(tmp, 'blog-dump.sql'));
    restic(['backup', '--stdin', '--stdin-filename', 'blog.sql', '--tag', 'database', '--host', BLOG.name], good.subarray(0, Math.floor(good.length / 2)));
    // what restic wrote from outside belongs to root: the NAS's files are web's
    spawnSync('chown', ['-R', '1000:1000', repository]);
    const run = await runCronJob(NS, 'blog-drill', 'blog-drill-cut');
    expect(run.succeeded).toBe(false);
    expect(run.logs).toMatch(/vserver-backup: the dump of blog in snapshot [0-9a-f]{8} is incomplete \(its last line is not mariadb-dump's "-- Dump completed"\)/);
  });

  test('the operator restores the whole shop from a named snapshot, its database with it, after a listing that changes nothing (negative control: --files-only leaves the database as it is)', async () => {
    const post = (title: string) => shop('/posts.php', ['--data-urlencode', `title=${title}`]);
    const posts = () => shop('/posts.php').body;
    const kept = `Kept ${Date.now()}`;
    expect(post(kept).body).toContain(kept);
    const logs = await succeeded('shop-backup-now', 'shop-backup');
    const snapshot = /^vserver-backup: snapshot ([0-9a-f]{8}): \d+ files/m.exec(logs)![1];
    expect(logs).toMatch(/^vserver-backup: snapshot [0-9a-f]{8}: database shop, \d+ bytes dumped/m);
    const later = `Later ${Date.now()}`;
    expect(post(later).body).toContain(later);
    const dist = path.join(tmp, 'dist-v1');
    const plan = await operatorCli(['restore', dist, 'shop', snapshot]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(new RegExp('vserver-backup: would load database shop from snapshot [0-9a-f]{8} \\(\\d+ bytes, dumped .*\\): every table the dump has is replaced; tables made since stay'));
    expect(plan.stderr).toContain('restore: nothing written. Run again with --yes to restore shop as listed above');
    // the listing changed nothing
    expect(posts()).toContain(later);
    const restored = await operatorCli(['restore', dist, 'shop', snapshot, '--yes']);
    expect({ status: restored.status, stderr: restored.stderr }).toMatchObject({ status: 0 });
    expect(restored.stdout).toMatch(/vserver-backup: restored database shop from snapshot [0-9a-f]{8}/);
    expect(posts()).toContain(kept);
    expect(posts()).not.toContain(later);
    // negative control: the files alone, and the post written since stays
    const since = `Since ${Date.now()}`;
    expect(post(since).body).toContain(since);
    const filesOnly = await operatorCli(['restore', dist, 'shop', snapshot, '--files-only', '--yes']);
    expect(filesOnly.status).toBe(0);
    expect(filesOnly.stdout).not.toContain('database shop');
    expect(posts()).toContain(since);
  });

  test("negative control: with another customer's password the dump is refused, the backup fails and saves no dump", async () => {
    const before = dumps();
    const run = await runCronJob(NS, 'blog-backup', 'blog-backup-wrong', {
      edit: (pod) => { pod.volumes.find((v: any) => v.name === 'database-password').secret.secretName = 'shop-database'; },
    });
    expect(run.succeeded).toBe(false);
    expect(run.logs).toMatch(/Access denied for user 'blog'/);
    expect(run.logs).toMatch(/vserver-backup: the dump of database blog on 10\.96\.0\.53:3306 failed .*: the docroot is saved, the database is not/);
    expect(dumps()).toEqual(before);
  });
});

describe('a rolling update of the PHP servers', () => {
  test("v1 -> v2 under request loops to the shop's index.php and to WordPress's front page, over HTTPS through the VIPs: no request lost", async () => {
    const trust = fs.readFileSync(ca, 'utf-8');
    // the blog's front page as a visitor gets it, the same twice (a page that changed between requests would fail the loop)
    const front = curl(`https://${BLOG.host}/`, [], BLOG.vip);
    expect(front.status).toBe(200);
    expect(curl(`https://${BLOG.host}/`, [], BLOG.vip).body).toBe(front.body);
    const loops = {
      // (a visitor's browser waits 10 s for an answer: on this shared machine a request may, while pods start beside it)
      shop: await RequestLoop.start(`https://${SHOP.host}/`, INDEX, { address: SHOP.vip, ca: trust, intervalMs: 100, maxSeconds: 600, timeoutMs: 10_000 }),
      // a new pod's first requests compile WordPress into OPcache: up to seconds on this shared machine, slow but not lost
      wordpress: await RequestLoop.start(`https://${BLOG.host}/`, front.body, { address: BLOG.vip, ca: trust, intervalMs: 150, maxSeconds: 600, timeoutMs: 15_000 }),
    };
    apply('v2');
    await rolledOut(SHOP.name, 2, 'v2');
    await rolledOut(BLOG.name, 2, 'v2');
    // the old pods' drain: they leave the Service before they stop
    await new Promise((r) => setTimeout(r, 6000));
    const reports = { shop: await loops.shop.stop(), wordpress: await loops.wordpress.stop() };
    const round = (n: number) => +n.toFixed(2);
    figures.rollout = Object.fromEntries(Object.entries(reports)
      .map(([k, r]) => [k, { requests: r.requests, failed: r.failed, seconds: round(r.seconds), longestGapSeconds: round(r.longestGapSeconds) }]));
    for (const report of Object.values(reports)) {
      expect(report.requests).toBeGreaterThan(50);
      expect(report.failures).toEqual([]);
      expect(report.failed).toBe(0);
    }
    // (two Deployments of two pods each, one after the other, each given up to 300 s on a machine shared with the tier)
  }, 660_000);
});
