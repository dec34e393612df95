#!/usr/bin/env bash
# Installs the packed packages into a scratch project, as another project would, then compiles and
# synthesizes a small app there. Proves that the tarballs hold what `main`/`types` point to, that the
# dependencies between the packages resolve, and that the peer dependencies are declared.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

versions=$(node -e '
  const pkg = require(process.argv[1] + "/package.json");
  const d = { ...pkg.devDependencies, ...pkg.dependencies };
  console.log(["cdk8s", "cdk8s-plus-22", "constructs", "typescript"].map((p) => p + "@" + d[p]).join(" "));' "$repo")

mkdir -p "$scratch/tarballs" "$scratch/app"
for pkg in site storage web-ssh-server vip dashboard; do
  (cd "$repo/packages/$pkg" && npm pack --silent --pack-destination "$scratch/tarballs" >/dev/null)
done
echo "packed: $(cd "$scratch/tarballs" && ls | tr '\n' ' ')"

cd "$scratch/app"
cat > package.json <<'JSON'
{ "name": "consumer", "version": "0.0.0", "private": true }
JSON
# shellcheck disable=SC2086
npm install --loglevel=error --no-audit --no-fund --prefer-offline $versions "$scratch"/tarballs/*.tgz

cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "target": "ES2020", "module": "commonjs", "outDir": "out", "skipLibCheck": false, "types": [] } }
JSON
cat > main.ts <<'TS'
import { App, Chart } from 'cdk8s';
import { ImageReference } from '@cdk8s-vserver/site';
import { NfsDocroot } from '@cdk8s-vserver/storage';
import { WebSshServer } from '@cdk8s-vserver/web-ssh-server';
import { KeepalivedVip } from '@cdk8s-vserver/vip';
import { DashboardVip, KubernetesDashboard } from '@cdk8s-vserver/dashboard';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'consumer', { namespace: 'default', disableResourceNameHashes: true });
const docroot = new NfsDocroot(chart, 'Docroot', { server: 'nas.test', path: '/export/web', claimName: 'docroot' });
const server = new WebSshServer(chart, 'Site', {
  name: 'site',
  httpdImage: ImageReference.of('master.test:5000/myrepo/httpd:v1'),
  sshdImage: ImageReference.of('master.test:5000/myrepo/sshd:v1'),
  docroot,
  sshServicePort: 2222,
});
const vip = new KeepalivedVip(chart, 'Vip', { lanSubnet: '10.1.0.0/16' });
vip.expose(server.service, '10.1.0.31');
const dashboard = new KubernetesDashboard(new Chart(app, 'dashboard', { disableResourceNameHashes: true }), 'Dashboard');
new DashboardVip(dashboard, 'Vip', { dashboard, vip, address: '10.1.0.33' });
app.synth();
TS
npx tsc -p .
node out/main.js
kinds=$(grep -h '^kind:' dist/*.yaml | sort -u | tr '\n' ' ')
expected='kind: ClusterRole kind: ClusterRoleBinding kind: ConfigMap kind: DaemonSet kind: Deployment kind: Namespace kind: PersistentVolume kind: PersistentVolumeClaim kind: PodDisruptionBudget kind: Role kind: RoleBinding kind: Secret kind: Service kind: ServiceAccount '
if [ "$kinds" != "$expected" ]; then
  echo "consumer synth wrote [$kinds], expected [$expected]" >&2
  exit 1
fi
grep -q '10.1.0.31: default/site' dist/consumer.k8s.yaml || { echo "the VIP entry is missing" >&2; exit 1; }
echo "consumer project compiled and synthesized: $kinds"
