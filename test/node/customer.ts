import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { kubectl } from '../cluster/kubectl';

/**
 * A server's two Secrets, as the README's commands make them: its host key, and the customer's public key
 * (`<keys>/user.pub`) as its authorized keys. Returns a known_hosts file that pins the host key for `hostEntry`, the
 * address the customer connects to (`192.168.1.43`, or `[192.168.1.46]:2201` for a port of the shared entry).
 */
export function makeSshSecrets(keys: string, namespace: string, server: string, hostEntry: string): string {
  const hostKey = path.join(keys, `${server}_host_ed25519_key`);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', server, '-f', hostKey]);
  kubectl(['create', 'secret', 'generic', `${server}-ssh-host-keys`, '-n', namespace, `--from-file=ssh_host_ed25519_key=${hostKey}`]);
  kubectl(['create', 'secret', 'generic', `${server}-ssh-authorized-keys`, '-n', namespace, `--from-file=authorized_keys=${path.join(keys, 'user.pub')}`]);
  const knownHosts = path.join(keys, `${server}.known_hosts`);
  fs.writeFileSync(knownHosts, `${hostEntry} ${fs.readFileSync(`${hostKey}.pub`, 'utf-8').split(' ').slice(0, 2).join(' ')}\n`);
  return knownHosts;
}

/** An sftp batch to `address`:`port` as web with the customer's key (`<keys>/user`), checking the host key of `knownHosts`. */
export function sftp(keys: string, address: string, port: number, knownHosts: string, batch: string[]): { status: number; stderr: string } {
  const out = spawnSync('sftp', ['-b', '-', '-P', String(port), '-i', path.join(keys, 'user'), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`, `web@${address}`], { input: batch.join('\n'), encoding: 'utf-8', timeout: 180_000 });
  return { status: out.status ?? -1, stderr: out.stderr ?? String(out.error ?? '') };
}
