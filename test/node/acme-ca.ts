import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { waitFor } from '../support';

/**
 * Let's Encrypt's test ACME server and its DNS, from Debian's `pebble` package, run on the LAN host this process is
 * on (the tier's master): Pebble's directory on `https://<address>:14000/dir` (the lab's `certificate.directory`),
 * its management port and pebble-challtestsrv's DNS on 127.0.0.1 only. Every name resolves to `defaultAddress` (the
 * server's VIP), as public DNS would point a site's names at it, unless {@link addA} says otherwise; Pebble
 * validates HTTP-01 challenges on port 80 of that address, as Let's Encrypt does.
 *
 * Pebble's listener certificate is made here with openssl for `address` (the lab's ConfigMap `lab-acme-ca` holds it);
 * the root its certificates chain to is made by Pebble at each start ({@link root}).
 */
export class PebbleCa {
  /** Starts both, and resolves once the directory answers. */
  public static async start(dir: string, address: string, defaultAddress: string): Promise<PebbleCa> {
    fs.mkdirSync(dir, { recursive: true });
    const cert = path.join(dir, 'listener.pem');
    const key = path.join(dir, 'listener.key');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=lab ACME CA', '-addext', `subjectAltName=IP:${address},IP:127.0.0.1`, '-keyout', key, '-out', cert], { encoding: 'utf-8' });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    fs.writeFileSync(path.join(dir, 'pebble.json'), JSON.stringify({
      pebble: {
        listenAddress: `${address}:14000`,
        managementListenAddress: '127.0.0.1:15000',
        certificate: cert,
        privateKey: key,
        httpPort: 80,
        tlsPort: 443,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        // Let's Encrypt's 90 days (Pebble's default is 5 years, which testssl.sh rightly flags)
        certificateValidityPeriod: 90 * 86400,
      },
    }));
    const log = (name: string) => fs.openSync(path.join(dir, `${name}.log`), 'a');
    // pebble-challtestsrv 2.4.0: DNS only (its HTTP-01/TLS-ALPN-01 servers would take ports 5001-5003)
    const dns = spawn('pebble-challtestsrv', ['-defaultIPv4', defaultAddress, '-defaultIPv6', '', '-dns01', '127.0.0.1:8053',
      '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', '127.0.0.1:8055'], { stdio: ['ignore', log('challtestsrv'), log('challtestsrv')] });
    // no sleeps between validations, and no nonces refused at random (Let's Encrypt does not either)
    const pebble = spawn('pebble', ['-config', path.join(dir, 'pebble.json'), '-dnsserver', '127.0.0.1:8053'],
      { stdio: ['ignore', log('pebble'), log('pebble')], env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' } });
    const ca = new PebbleCa(dir, fs.readFileSync(cert, 'utf-8'), [dns, pebble], `https://${address}:14000/dir`);
    await waitFor('Pebble to answer', 30, async () => ((await ca.fetch('https://127.0.0.1:15000/roots/0')).includes('BEGIN CERTIFICATE') ? true : undefined));
    return ca;
  }

  private constructor(public readonly dir: string, public readonly listenerCertificate: string, private readonly processes: ChildProcess[],
    public readonly directory: string) {}

  /** The root Pebble signs with (new at each start), PEM. */
  public root(): Promise<string> {
    return this.fetch('https://127.0.0.1:15000/roots/0');
  }

  /** Makes `host` resolve to `address` instead of the default. */
  public addA(host: string, address: string): Promise<string> {
    return this.post('add-a', { host, addresses: [address] });
  }

  /** Makes `host` resolve to the default address again. */
  public clearA(host: string): Promise<string> {
    return this.post('clear-a', { host });
  }

  /** Pebble's log so far. */
  public log(): string {
    return fs.readFileSync(path.join(this.dir, 'pebble.log'), 'utf-8');
  }

  public stop(): void {
    for (const p of this.processes) p.kill('SIGKILL');
  }

  private fetch(url: string): Promise<string> {
    return new Promise((resolve) => {
      https.get(url, { ca: this.listenerCertificate, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve(body));
      }).on('error', () => resolve(''));
    });
  }

  private post(command: string, body: unknown): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:8055/${command}`, { method: 'POST' }, (res) => {
        let out = '';
        res.on('data', (c: Buffer) => { out += c.toString(); });
        res.on('end', () => (res.statusCode === 200 ? resolve(out) : reject(new Error(`challtestsrv ${command}: HTTP ${res.statusCode} ${out}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }
}

