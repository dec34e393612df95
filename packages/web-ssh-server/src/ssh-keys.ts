import { k8s, namespaceOf, OperatorContract, requireDnsSubdomain, SiteError } from '@cdk8s-vserver/core';
import { Construct, IConstruct } from 'constructs';
import { authorizedKeysCreateCommand } from './secret-commands';

/** The key, in a Secret or ConfigMap, that holds a server's `authorized_keys` file. */
export const AUTHORIZED_KEYS_KEY = 'authorized_keys';

/** What a server mounts for its authorized keys, and the ConfigMap made for them, if any. */
export interface AuthorizedKeysBinding {
  /** The pod volume: one file, `authorized_keys`, readable by sshd's AuthorizedKeysCommand user. */
  readonly volume: k8s.Volume;
  /** The ConfigMap that holds keys given inline. */
  readonly configMap?: k8s.KubeConfigMap | undefined;
}

/** The pod volume's name. */
const VOLUME_NAME = 'ssh-authorized-keys';
/** Just the one file, world-readable (public keys; sshd reads them as `nobody`). */
const FILE = { defaultMode: 0o444, items: [{ key: AUTHORIZED_KEYS_KEY, path: AUTHORIZED_KEYS_KEY }] };

/** The key types an OpenSSH server of the sshd image (OpenSSH 9.2) accepts in `authorized_keys`. */
const KEY_TYPES = [
  'ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
];

/**
 * Who may log in over SSH as the image's `web` user: a list of OpenSSH public keys, or an existing Secret that
 * holds an `authorized_keys` file. sshd reads the keys at each login, so a change to the Secret or the list
 * reaches running pods without a restart (within the kubelet's sync period, about a minute).
 */
export abstract class AuthorizedKeys {
  /**
   * Public keys written into dist/ (a ConfigMap `<server>-ssh-authorized-keys`): reviewers see who gets access
   * in the PR. Each entry is one OpenSSH public key line, `type base64 [comment]`, as in `~/.ssh/id_ed25519.pub`.
   */
  public static fromPublicKeys(keys: string[]): AuthorizedKeys {
    return new PublicKeyList(keys);
  }

  /**
   * The `authorized_keys` entry of an existing Secret, created by the operator, e.g.
   * `kubectl create secret generic myweb-ssh-authorized-keys --from-file=authorized_keys=$HOME/.ssh/id_ed25519.pub`.
   * Nothing about the keys lands in dist/.
   */
  public static fromSecret(secretName: string): AuthorizedKeys {
    return new SecretKeys(secretName);
  }

  /** Checks the keys or the Secret name, naming `scope` and `prop` in the error. */
  public abstract validate(scope: IConstruct, prop: string): void;

  /**
   * Makes the volume a server named `serverName` mounts (and the ConfigMap it reads, for inline keys).
   * @internal
   */
  public abstract bind(scope: Construct, serverName: string, labels: Record<string, string>): AuthorizedKeysBinding;
}

/** Public keys given inline. */
export class PublicKeyList extends AuthorizedKeys {
  constructor(public readonly keys: string[]) {
    super();
  }

  public validate(scope: IConstruct, prop: string): void {
    if (this.keys.length === 0) {
      throw SiteError.invalidProp(scope, prop, this.keys, 'list at least one OpenSSH public key, such as the content of ~/.ssh/id_ed25519.pub');
    }
    this.keys.forEach((key, i) => {
      const problem = publicKeyProblem(key);
      if (problem) {
        throw SiteError.invalidProp(scope, `${prop}[${i}]`, abbreviate(key),
          `be an OpenSSH public key line "type base64 [comment]" such as "ssh-ed25519 AAAAC3Nza... alice@laptop" (this one ${problem})`);
      }
    });
  }

  /** The `authorized_keys` file: one key a line. */
  public get file(): string {
    return this.keys.map((k) => k.trim()).join('\n') + '\n';
  }

  /** @internal */
  public bind(scope: Construct, serverName: string, labels: Record<string, string>): AuthorizedKeysBinding {
    const configMap = new k8s.KubeConfigMap(scope, 'AuthorizedKeys', {
      metadata: { name: `${serverName}-ssh-authorized-keys`, labels },
      data: { [AUTHORIZED_KEYS_KEY]: this.file },
    });
    return { volume: { name: VOLUME_NAME, configMap: { name: configMap.name, ...FILE } }, configMap };
  }
}

/** Keys in an existing Secret. */
export class SecretKeys extends AuthorizedKeys {
  constructor(public readonly secretName: string) {
    super();
  }

  public validate(scope: IConstruct, prop: string): void {
    requireSecretName(scope, prop, this.secretName);
  }

  /** @internal */
  public bind(scope: Construct, serverName: string): AuthorizedKeysBinding {
    const namespace = namespaceOf(scope);
    OperatorContract.of(scope).needsSecret(scope, {
      namespace,
      name: this.secretName,
      what: `the public keys that may log in to server ${serverName} over SSH`,
      command: authorizedKeysCreateCommand(this.secretName, namespace),
    });
    return { volume: { name: VOLUME_NAME, secret: { secretName: this.secretName, ...FILE } } };
  }
}

/** Returns `name` when it is a valid Secret name (a DNS-1123 subdomain). */
export function requireSecretName(scope: IConstruct, prop: string, name: string): string {
  return requireDnsSubdomain(scope, prop, name, 'myweb-ssh-host-keys');
}

/**
 * Why `line` is not one OpenSSH public key, or undefined when it is. The base64 blob must decode to a key of the
 * type the line names, as sshd checks it.
 */
export function publicKeyProblem(line: string): string | undefined {
  const text = line.trim();
  if (text.length === 0) return 'is empty';
  if (/PRIVATE KEY/.test(text)) return 'is a PRIVATE key: give the .pub file, and never put a private key in the site';
  if (/[\r\n]/.test(text)) return 'spans several lines: give one key per entry';
  const [type, blob] = text.split(/\s+/);
  if (!KEY_TYPES.includes(type)) return `starts with "${type}", which is not an OpenSSH key type (${KEY_TYPES.join(', ')})`;
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) return 'has no valid base64 key after the type';
  const bytes = Buffer.from(blob, 'base64');
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  if (length <= 0 || length + 4 > bytes.length || bytes.subarray(4, 4 + length).toString('latin1') !== type) {
    return `has a base64 key that is not a ${type} key`;
  }
  return undefined;
}

function abbreviate(key: string): string {
  if (/PRIVATE KEY/.test(key)) return '<a private key, not shown>';
  return key.length > 60 ? `${key.slice(0, 40)}…${key.slice(-12)}` : key;
}
