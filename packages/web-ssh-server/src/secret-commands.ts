import { ACME_EAB_DIR, TLS_DIR } from './server-certificate';
import { AUTHORIZED_KEYS_DIR, HOST_KEYS_DIR } from './web-ssh-server';

/**
 * The command that creates a Secret a WebSshServer's pods mount, by where they mount it (the commands of the
 * README): a host key made on the spot, the operator's public key, a certificate and its key, an ACME account
 * binding. `namespace` is always named: a site may keep its servers anywhere.
 */
export function secretCreateCommand(mountPath: string | undefined, secret: string, namespace: string): string {
  const create = `kubectl create secret generic ${secret} -n ${namespace}`;
  switch (mountPath) {
    case HOST_KEYS_DIR:
      // Ed25519, and RSA of 4096 bits for clients without Ed25519 (and ssh-audit's hardened policy, which wants both)
      return `d=$(mktemp -d) && ssh-keygen -q -t ed25519 -N '' -C ${secret} -f "$d/ssh_host_ed25519_key" && ssh-keygen -q -t rsa -b 4096 -N '' -C ${secret} `
        + `-f "$d/ssh_host_rsa_key" && ${create} --from-file="$d/ssh_host_ed25519_key" --from-file="$d/ssh_host_rsa_key" && rm -rf "$d"`;
    case AUTHORIZED_KEYS_DIR:
      return `${create} --from-file=authorized_keys=$HOME/.ssh/id_ed25519.pub`;
    case TLS_DIR:
      return `kubectl create secret tls ${secret} -n ${namespace} --cert=<certificate chain file> --key=<key file>`;
    case ACME_EAB_DIR:
      return `${create} --from-file=eab.json=<file with {"kid": ..., "hmac": ...}>`;
    default:
      return `${create} --from-file=<file>...`;
  }
}

/**
 * The command that creates the Secret the kubelet pulls a pod's images from `registry` with (`imagePullSecrets`):
 * a `kubernetes.io/dockerconfigjson` Secret, the only kind it reads (a generic one leaves the pods in
 * ImagePullBackOff). The password comes from a file, so it stays out of the shell's history.
 */
export function pullSecretCreateCommand(secret: string, namespace: string, registry: string): string {
  return `kubectl create secret docker-registry ${secret} -n ${namespace} --docker-server=${registry} --docker-username=<user> `
    + '--docker-password="$(cat <file with the password>)"';
}
