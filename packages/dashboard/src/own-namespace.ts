import { KUBERNETES_NAMESPACES, resourceName, SiteError } from '@cdk8s-vserver/core';
import { IConstruct } from 'constructs';

/**
 * The `namespace` prop of a UI that creates its own namespace: a DNS label (default `fallback`) that is not one of
 * Kubernetes' own, since deleting the UI's file would try to delete it. `owner` names the UI in the message
 * ("the Dashboard", "Headlamp").
 */
export function ownNamespace(scope: IConstruct, name: string | undefined, fallback: string, owner: string): string {
  const namespace = resourceName(scope, 'namespace', name, fallback);
  if (KUBERNETES_NAMESPACES.includes(namespace)) {
    throw SiteError.invalidProp(scope, 'namespace', namespace, `be a namespace of ${owner}'s own: the construct creates it, and `
      + `${KUBERNETES_NAMESPACES.map((n) => `"${n}"`).join(', ')} belong to Kubernetes (deleting ${owner}'s file would try to delete it)`);
  }
  return namespace;
}
