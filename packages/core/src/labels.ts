/** The `app.kubernetes.io/managed-by` label every object of this library carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk8s-vserver' } as const;
