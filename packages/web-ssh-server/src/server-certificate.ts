import { isHostname, k8s, namespaceOf, OperatorContract, requireDnsSubdomain, requireWholeSeconds, SiteError } from '@cdk8s-vserver/core';
import { INfsFolder } from '@cdk8s-vserver/storage';
import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy } from './imports/cert-manager.io';
import { acmeCaCreateCommand, acmeEabCreateCommand, tlsSecretCreateCommand } from './secret-commands';
import { acmeEgress, ServerEgress } from './server-egress';

/** Let's Encrypt's production ACME directory (the default of {@link ServerCertificate.acme}). */
export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt's staging ACME directory: untrusted certificates, far higher rate limits. Try a new site here first. */
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** The key of the ConfigMap {@link AcmeCertificateOptions.directoryCaConfigMap} names. */
export const ACME_CA_KEY = 'ca.crt';
/** The key of the Secret {@link AcmeCertificateOptions.externalAccountBindingSecret} names: `{"kid": ..., "hmac": ...}`. */
export const ACME_EAB_KEY = 'eab.json';

/** Where the httpd image reads what a certificate source mounts (see images/httpd). */
const ACME_STORE_DIR = '/var/lib/web-ssh-server/md';
const ACME_CA_DIR = '/etc/web-ssh-server/acme-ca';
export const ACME_EAB_DIR = '/etc/web-ssh-server/acme-eab';
export const TLS_DIR = '/etc/web-ssh-server/tls';

/** Options of {@link ServerCertificate.acme}. */
export interface AcmeCertificateOptions {
  /** Where the CA sends expiry and account notices (`MDContactEmail`); every ACME CA asks for one. */
  readonly contactEmail: string;

  /**
   * The ACME directory URL of the CA.
   * @default LETS_ENCRYPT - Let's Encrypt's production directory; {@link LETS_ENCRYPT_STAGING} while trying a site out
   */
  readonly directory?: string | undefined;

  /**
   * A ConfigMap (key `ca.crt`) with the CA certificate of the directory's own HTTPS listener, for a private ACME CA
   * such as step-ca or Pebble.
   * @default - the image's system trust store (enough for Let's Encrypt, ZeroSSL, Google, Sectigo)
   */
  readonly directoryCaConfigMap?: string | undefined;

  /**
   * A Secret (key `eab.json`, `{"kid": "<key id>", "hmac": "<base64url key>"}`) with the External Account Binding
   * a CA such as ZeroSSL, Google or Sectigo hands out with the account.
   * @default - no External Account Binding (Let's Encrypt needs none)
   */
  readonly externalAccountBindingSecret?: string | undefined;
}

/** Which kind of cert-manager issuer a {@link ServerCertificate.certManager} certificate names. */
export enum IssuerKind {
  /** An `Issuer` in the server's own namespace. */
  ISSUER = 'Issuer',
  /** A `ClusterIssuer`, for every namespace. */
  CLUSTER_ISSUER = 'ClusterIssuer',
}

/** Options of {@link ServerCertificate.certManager}. */
export interface CertManagerCertificateOptions {
  /** The name of the `Issuer` or `ClusterIssuer` (ACME with DNS-01 or HTTP-01, a private CA, Vault...). */
  readonly issuer: string;

  /**
   * Which kind `issuer` is.
   * @default IssuerKind.ISSUER - cert-manager's own default
   */
  readonly issuerKind?: IssuerKind | undefined;

  /**
   * The Secret cert-manager writes the certificate into (and the pods mount).
   * @default '<server name>-tls'
   */
  readonly secretName?: string | undefined;

  /**
   * How long before expiry cert-manager renews.
   * @default - cert-manager's: a third of the certificate's lifetime before it ends
   */
  readonly renewBefore?: Duration | undefined;
}

/** The server a certificate source is bound to. */
export interface CertificateTarget {
  /** The server's name (`<name>-tls`). */
  readonly name: string;
  /** The DNS names the certificate covers. */
  readonly hostnames: string[];
  /** Labels of the objects the source creates. */
  readonly labels: Record<string, string>;
  /** The ACME store, when the source is ACME. */
  readonly acmeStore?: INfsFolder | undefined;
}

/** What a certificate source adds to a server's pods. */
export interface CertificateBinding {
  /** How the httpd image finds its certificate: `TLS=acme` or `TLS=files`, and the ACME settings. */
  readonly env: Record<string, string>;
  /** Pod volumes. */
  readonly volumes: k8s.Volume[];
  /** httpd's mounts of them. */
  readonly mounts: k8s.VolumeMount[];
  /** The Secret httpd serves from, for a Secret or cert-manager. */
  readonly secretName?: string | undefined;
  /** cert-manager's Certificate, when the source is cert-manager. */
  readonly certificate?: Certificate | undefined;
  /** What the pods must reach to get the certificate (ACME's directory), as NetworkPolicy egress. */
  readonly egress?: ServerEgress[] | undefined;
}

/**
 * Where a server's HTTPS certificate comes from, one of three:
 * - {@link ServerCertificate.acme}: Apache's own ACME client in the server (mod_md, HTTP-01 through the server's VIP);
 * - {@link ServerCertificate.certManager}: a cert-manager `Certificate` into a Secret the pods mount;
 * - {@link ServerCertificate.fromSecret}: an existing `kubernetes.io/tls` Secret.
 *
 * Whichever it is, httpd reloads gracefully when the certificate changes: a renewal never restarts a pod.
 */
export abstract class ServerCertificate {
  /**
   * Apache's own ACME client (mod_md) obtains and renews the certificate by HTTP-01 through the server's VIP, so
   * each hostname's DNS must point at the server's address and port 80 must reach it. Every replica shares the
   * server's ACME store (`WebSshServerProps.acmeStore`), so each answers every challenge and serves the same
   * certificate. Wildcard hostnames need DNS-01: use {@link ServerCertificate.certManager}.
   */
  public static acme(options: AcmeCertificateOptions): ServerCertificate {
    return new AcmeCertificate(options);
  }

  /**
   * A cert-manager `Certificate` for the server's hostnames, issued by the `Issuer` or `ClusterIssuer` named, into
   * the Secret `<name>-tls` the pods mount (DNS-01, private CAs and wildcards work without any ingress). Needs
   * cert-manager (v1.21 CRDs) in the cluster; pods wait in ContainerCreating until the first certificate is issued.
   */
  public static certManager(options: CertManagerCertificateOptions): ServerCertificate {
    return new CertManagerCertificate(options);
  }

  /**
   * An existing Secret of type `kubernetes.io/tls` (keys `tls.crt`, `tls.key`): a certificate bought elsewhere or
   * made by any tool. Replacing the Secret's content is served without a restart.
   */
  public static fromSecret(secretName: string): ServerCertificate {
    return new SecretCertificate(secretName);
  }

  /** Which source this is, for errors and the site's picture (`ACME`, `cert-manager`, `Secret`). */
  public abstract readonly kind: string;

  /**
   * Whether the server needs an ACME store (`WebSshServerProps.acmeStore`) for this source. A property rather than a
   * class check, so it holds when an app loads two copies of this package.
   */
  public abstract readonly needsAcmeStore: boolean;

  /** Checks the options against the server's hostnames, naming `scope` and `prop` in the error. */
  public abstract validate(scope: IConstruct, prop: string, hostnames: string[]): void;

  /**
   * What the server's pods mount and read (and the objects the source creates).
   * @internal
   */
  public abstract bind(scope: Construct, target: CertificateTarget): CertificateBinding;
}

/** The ACME source: mod_md in the server. */
export class AcmeCertificate extends ServerCertificate {
  public readonly kind = 'ACME';
  public readonly needsAcmeStore = true;
  public readonly directory: string;
  constructor(public readonly options: AcmeCertificateOptions) {
    super();
    this.directory = options.directory ?? LETS_ENCRYPT;
  }

  public validate(scope: IConstruct, prop: string, hostnames: string[]): void {
    const { contactEmail, directoryCaConfigMap, externalAccountBindingSecret } = this.options;
    if (!contactEmail || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contactEmail)) {
      throw SiteError.invalidProp(scope, `${prop} contactEmail`, contactEmail,
        'be an email address where the CA sends expiry notices, such as "webmaster@example.org" (every ACME CA asks for one)');
    }
    if (!/^https:\/\/[^\s/:]+(:[0-9]{1,5})?\/\S*$/.test(this.directory)) {
      throw SiteError.invalidProp(scope, `${prop} directory`, this.directory, `be the https:// URL of an ACME directory, such as "${LETS_ENCRYPT}" `
        + '(ACME runs over HTTPS only)');
    }
    if (directoryCaConfigMap !== undefined) requireDnsSubdomain(scope, `${prop} directoryCaConfigMap`, directoryCaConfigMap, 'acme-ca');
    if (externalAccountBindingSecret !== undefined) requireDnsSubdomain(scope, `${prop} externalAccountBindingSecret`, externalAccountBindingSecret, 'acme-eab');
    const wildcard = hostnames.find((h) => h.startsWith('*.'));
    if (wildcard) {
      throw SiteError.invalidProp(scope, prop, `ServerCertificate.acme() for ${wildcard}`, 'not be ACME in the server for a wildcard hostname: '
        + 'HTTP-01 cannot prove a wildcard, only DNS-01 can. Use ServerCertificate.certManager() with a DNS-01 issuer, or list each name');
    }
  }

  /** @internal */
  public bind(scope: Construct, target: CertificateTarget): CertificateBinding {
    const store = target.acmeStore;
    if (!store) {
      throw SiteError.invalidProp(scope, 'acmeStore', undefined, 'be given with ServerCertificate.acme(): a volume every replica shares '
        + '(an NfsFolder of its own, never the docroot), where mod_md keeps the account, keys and certificates');
    }
    const { directoryCaConfigMap: ca, externalAccountBindingSecret: eab } = this.options;
    const volumes: k8s.Volume[] = [{ ...store.podVolume, name: 'acme-store' }];
    const mounts: k8s.VolumeMount[] = [{ ...store.mountAt(ACME_STORE_DIR, { readOnly: false }), name: 'acme-store' }];
    const namespace = namespaceOf(scope);
    if (ca) {
      OperatorContract.of(scope).needsConfigMap(scope, {
        namespace, name: ca, what: 'the CA certificate of the ACME directory\'s HTTPS listener', command: acmeCaCreateCommand(ca, namespace),
      });
      volumes.push({ name: 'acme-ca', configMap: { name: ca, items: [{ key: ACME_CA_KEY, path: ACME_CA_KEY }], defaultMode: 0o444 } });
      mounts.push({ name: 'acme-ca', mountPath: ACME_CA_DIR, readOnly: true });
    }
    if (eab) {
      OperatorContract.of(scope).needsSecret(scope, {
        namespace, name: eab, what: 'the ACME account\'s external account binding', command: acmeEabCreateCommand(eab, namespace),
      });
      volumes.push({ name: 'acme-eab', secret: { secretName: eab, items: [{ key: ACME_EAB_KEY, path: ACME_EAB_KEY }], defaultMode: 0o400 } });
      mounts.push({ name: 'acme-eab', mountPath: ACME_EAB_DIR, readOnly: true });
    }
    return { env: { TLS: 'acme', ACME_DIRECTORY: this.directory, ACME_EMAIL: this.options.contactEmail }, volumes, mounts, egress: acmeEgress(this.directory) };
  }
}

/** The cert-manager source. */
export class CertManagerCertificate extends ServerCertificate {
  public readonly kind = 'cert-manager';
  public readonly needsAcmeStore = false;
  constructor(public readonly options: CertManagerCertificateOptions) {
    super();
  }

  public validate(scope: IConstruct, prop: string): void {
    const { issuer, issuerKind, secretName, renewBefore } = this.options;
    if (!issuer) {
      throw SiteError.invalidProp(scope, `${prop} issuer`, issuer, 'name the cert-manager Issuer or ClusterIssuer that signs the certificate, such as "letsencrypt"');
    }
    requireDnsSubdomain(scope, `${prop} issuer`, issuer, 'letsencrypt');
    if (issuerKind !== undefined && !Object.values(IssuerKind).includes(issuerKind)) {
      throw SiteError.invalidProp(scope, `${prop} issuerKind`, issuerKind, 'be IssuerKind.ISSUER or IssuerKind.CLUSTER_ISSUER');
    }
    if (secretName !== undefined) requireDnsSubdomain(scope, `${prop} secretName`, secretName, 'shop-tls');
    if (renewBefore !== undefined) requireWholeSeconds(scope, `${prop} renewBefore`, renewBefore, 300);
  }

  /** @internal */
  public bind(scope: Construct, target: CertificateTarget): CertificateBinding {
    const secretName = this.options.secretName ?? `${target.name}-tls`;
    const certificate = new Certificate(scope, 'Certificate', {
      metadata: { name: `${target.name}-tls`, labels: target.labels },
      spec: {
        secretName,
        dnsNames: target.hostnames,
        issuerRef: { name: this.options.issuer, kind: this.options.issuerKind ?? IssuerKind.ISSUER, group: 'cert-manager.io' },
        // a new key at each renewal: a leaked key stops working at the next renewal
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
        ...(this.options.renewBefore ? { renewBefore: `${this.options.renewBefore.toSeconds()}s` } : {}),
        // the Secret carries the server's labels, so it is found (and pruned) with the server
        secretTemplate: { labels: target.labels },
      },
    });
    return { ...filesBinding(secretName), secretName, certificate };
  }
}

/** An existing kubernetes.io/tls Secret. */
export class SecretCertificate extends ServerCertificate {
  public readonly kind = 'Secret';
  public readonly needsAcmeStore = false;
  constructor(public readonly secretName: string) {
    super();
  }

  public validate(scope: IConstruct, prop: string): void {
    requireDnsSubdomain(scope, prop, this.secretName, 'shop-tls');
  }

  /** @internal */
  public bind(scope: Construct, target: CertificateTarget): CertificateBinding {
    const namespace = namespaceOf(scope);
    OperatorContract.of(scope).needsSecret(scope, {
      namespace, name: this.secretName, what: `the HTTPS certificate and key of server ${target.name}`, command: tlsSecretCreateCommand(this.secretName, namespace),
    });
    return { ...filesBinding(this.secretName), secretName: this.secretName };
  }
}

/** A kubernetes.io/tls Secret mounted whole (never by subPath, which kubelet does not update), readable by root only. */
function filesBinding(secretName: string): CertificateBinding {
  return {
    env: { TLS: 'files' },
    volumes: [{
      name: 'tls',
      secret: { secretName, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o400 },
    }],
    mounts: [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }],
  };
}

/**
 * Why `hostname` cannot be one of a server's DNS names, or undefined when it can: a lowercase, fully qualified
 * DNS name (`www.example.org`), or a wildcard for one level (`*.example.org`), never an IP address.
 */
export function hostnameProblem(hostname: string): string | undefined {
  if (typeof hostname !== 'string' || hostname.length === 0) return 'is empty';
  if (/^[0-9.]+$/.test(hostname) || hostname.includes(':')) {
    return "is an IP address: a certificate and name-based HTTPS need DNS names; the server's address is its VIP, and DNS points the names at it";
  }
  if (hostname !== hostname.toLowerCase()) return `has capitals: write it in lowercase ("${hostname.toLowerCase()}")`;
  const name = hostname.startsWith('*.') ? hostname.slice(2) : hostname;
  if (name.includes('*')) return 'has a "*" that is not a whole first label ("*.example.org" is the only wildcard form)';
  if (!isHostname(name) || name.length > 253) return 'is not a DNS name of lowercase letters, digits, "-" and "." (labels of 1-63 characters)';
  if (!name.includes('.')) return 'is a single label: certificates name fully qualified names such as "www.example.org"';
  return undefined;
}
