import { clusterDnsEgressRule, Ipv4Address, Ipv4Subnet, k8s, requireDnsSubdomain, serviceUrl, requireIpv4Subnet, SiteError } from '@cdk8s-vserver/core';
import { IConstruct } from 'constructs';

/** The private ranges (RFC 1918): an endpoint known by name is reached anywhere but there, never on the LAN. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * An S3-compatible bucket for the backup repositories (`ResticBackup`'s `s3`): AWS S3, Backblaze B2, Wasabi, or a
 * MinIO or Garage of one's own. Each server's repository is `<prefix>/<server>` in the bucket; restic encrypts
 * everything it writes there with the repository's password before it leaves the pod.
 */
export interface S3Repository {
  /** The endpoint's https URL, without the bucket: `https://s3.eu-central-1.amazonaws.com`, `https://192.168.1.20:9000`. */
  readonly endpoint: string;
  /** The bucket (made beforehand, at the provider): 3-63 lowercase letters, digits, '.' and '-'. */
  readonly bucket: string;
  /** The folder in the bucket the repositories go under (`vserver/lab`). @default - the bucket's root */
  readonly prefix?: string | undefined;
  /**
   * The Secret (in the docroot's namespace) with the bucket's keys: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
   * (restic's names, whatever the provider). Made by the command the operator prints, from the provider's keys.
   */
  readonly credentialsSecret: string;
  /** The bucket's region, where the provider asks for one (`eu-central-1`). @default - restic's (us-east-1) */
  readonly region?: string | undefined;
  /**
   * Where the endpoint is, for the jobs' NetworkPolicy (the only addresses they may reach it at, on its port).
   * @default - its address when the URL has one; for a name, any address but the private ranges (a provider's
   *   addresses change), with the cluster's DNS
   */
  readonly addresses?: Ipv4Subnet[] | undefined;
}

/** An {@link S3Repository}, checked: restic's repository URL for a server, and what its jobs need. */
export interface ResolvedS3Repository {
  /** The environment of restic's S3 backend: the keys from the Secret, and the region. */
  readonly env: k8s.EnvVar[];
  /** What a job's NetworkPolicy needs to reach the endpoint (and the cluster's DNS for a name). */
  readonly egress: k8s.NetworkPolicyEgressRule[];
  readonly credentialsSecret: string;
  /** restic's repository of the server `name`: `s3:https://host/bucket/prefix/name`. */
  repository(name: string): string;
}

/** Checks `s3` (errors name `prop` and the field), and returns what the jobs need. */
export function requireS3Repository(scope: IConstruct, prop: string, s3: S3Repository): ResolvedS3Repository {
  if (typeof s3 !== 'object' || s3 === null) {
    throw SiteError.invalidProp(scope, prop, s3, 'be { endpoint, bucket, credentialsSecret }, such as { endpoint: "https://s3.example.com", bucket: "backups", credentialsSecret: "backup-s3" }');
  }
  const url = serviceUrl(s3.endpoint, ['https']);
  if (!url) {
    throw SiteError.invalidProp(scope, `${prop}.endpoint`, s3.endpoint, 'be the endpoint\'s https URL with no path, user or query, such as "https://s3.eu-central-1.amazonaws.com" '
      + '(https: the bucket\'s keys would cross the network in clear over http; the bucket is its own prop)');
  }
  const bucket = s3.bucket;
  if (typeof bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..') || Ipv4Address.of(bucket).problem === undefined) {
    throw SiteError.invalidProp(scope, `${prop}.bucket`, bucket, 'be an S3 bucket name: 3-63 lowercase letters, digits, \'.\' and \'-\', starting and ending '
      + 'with a letter or digit, not an IP address, such as "hosting-backups"');
  }
  const prefix = s3.prefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix) || prefix.split('/').some((p) => p === '.' || p === '..'))) {
    throw SiteError.invalidProp(scope, `${prop}.prefix`, prefix, 'be a folder of the bucket: names of letters, digits, \'.\', \'_\' and \'-\' joined by \'/\', '
      + 'with no \'/\' at either end and no \'..\', such as "vserver/lab"');
  }
  const credentialsSecret = requireDnsSubdomain(scope, `${prop}.credentialsSecret`, s3.credentialsSecret, 'backup-s3');
  if (s3.region !== undefined && (typeof s3.region !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(s3.region))) {
    throw SiteError.invalidProp(scope, `${prop}.region`, s3.region, 'be a region name of lowercase letters, digits and \'-\', such as "eu-central-1"');
  }
  (s3.addresses ?? []).forEach((subnet, i) => requireIpv4Subnet(scope, `${prop}.addresses[${i}]`, subnet));
  if (s3.addresses !== undefined && s3.addresses.length === 0) {
    throw SiteError.invalidProp(scope, `${prop}.addresses`, [], 'name at least one subnet (or be left out): with none, no job could reach the bucket');
  }
  const host = url.hostname;
  const port = Number(url.port || 443);
  const isAddress = Ipv4Address.of(host).problem === undefined;
  const to: k8s.NetworkPolicyPeer[] = s3.addresses
    ? s3.addresses.map((subnet) => ({ ipBlock: { cidr: subnet.text } }))
    : isAddress ? [{ ipBlock: { cidr: `${host}/32` } }] : [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }];
  const key = (name: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: credentialsSecret, key: name } } });
  return {
    repository: (name: string) => `s3:${url.protocol}//${url.host}/${bucket}/${prefix ? `${prefix}/` : ''}${name}`,
    env: [key('AWS_ACCESS_KEY_ID'), key('AWS_SECRET_ACCESS_KEY'), ...(s3.region ? [{ name: 'AWS_DEFAULT_REGION', value: s3.region }] : [])],
    egress: [
      { to, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }] },
      ...(isAddress ? [] : [clusterDnsEgressRule()]),
    ],
    credentialsSecret,
  };
}
