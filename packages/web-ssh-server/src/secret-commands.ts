/**
 * The commands that create the Secrets and ConfigMaps a WebSshServer's pods need and the site does not create (the
 * README's): each construct that mounts one records it, with its command, in the app's `OperatorContract`, and the
 * operator CLI prints the command while it is missing. `namespace` is always named: a site may keep its servers anywhere.
 */

/** The server's SSH host keys, made on the spot: Ed25519, and RSA of 4096 bits for clients without Ed25519 (and ssh-audit's hardened policy, which wants both). */
export function hostKeysCreateCommand(secret: string, namespace: string): string {
  return `d=$(mktemp -d) && ssh-keygen -q -t ed25519 -N '' -C ${secret} -f "$d/ssh_host_ed25519_key" && ssh-keygen -q -t rsa -b 4096 -N '' -C ${secret} `
    + `-f "$d/ssh_host_rsa_key" && kubectl create secret generic ${secret} -n ${namespace} --from-file="$d/ssh_host_ed25519_key" `
    + '--from-file="$d/ssh_host_rsa_key" && rm -rf "$d"';
}

/** The public keys that may log in as the customer: the operator's own, to start with. */
export function authorizedKeysCreateCommand(secret: string, namespace: string): string {
  return `kubectl create secret generic ${secret} -n ${namespace} --from-file=authorized_keys=$HOME/.ssh/id_ed25519.pub`;
}

/** A bought certificate and its key. */
export function tlsSecretCreateCommand(secret: string, namespace: string): string {
  return `kubectl create secret tls ${secret} -n ${namespace} --cert=<certificate chain file> --key=<key file>`;
}

/** An ACME account's external account binding (the CA's key id and HMAC key). */
export function acmeEabCreateCommand(secret: string, namespace: string): string {
  return `kubectl create secret generic ${secret} -n ${namespace} --from-file=eab.json=<file with {"kid": ..., "hmac": ...}>`;
}

/** The CA certificate of a private ACME directory's HTTPS listener. */
export function acmeCaCreateCommand(configMap: string, namespace: string): string {
  return `kubectl create configmap ${configMap} -n ${namespace} --from-file=ca.crt=<the ACME directory's CA certificate file>`;
}
