/** The `app.kubernetes.io/managed-by` label every object of this library carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk8s-vserver' } as const;

/** The label that says which app an object belongs to: what prune and uninstall select on. */
export const PART_OF = 'app.kubernetes.io/part-of';

/**
 * The labels that make an app's objects its own: `app.kubernetes.io/part-of: <app>` and `managed-by`. Give them to
 * every chart of the app (`new Chart(app, 'web', { labels: ownershipLabels('lab') })`): cdk8s puts a chart's labels
 * on every object in it, so `kubectl apply --prune -l app.kubernetes.io/part-of=lab` and an uninstall by that
 * label find exactly the app's objects, and nothing of another app.
 *
 * @param app the app's name, as in dist/<app> (a label value)
 */
export function ownershipLabels(app: string): Record<string, string> {
  return { [PART_OF]: app, ...MANAGED_BY };
}
