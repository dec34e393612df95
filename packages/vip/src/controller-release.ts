/**
 * What one release of the kube-keepalived-vip controller accepts and serves, read from that release's own
 * source. The controller parses its command line with pflag's `ExitOnError`: one flag it does not know and the
 * process exits (exit 2), so the DaemonSet crash-loops and no VIP ever comes up. The args this package renders
 * are checked against {@link ControllerRelease.flags} at synth time.
 */
export interface ControllerRelease {
  /** The release (image tag) these facts belong to. */
  readonly version: string;
  /** Upstream's image of that release. */
  readonly image: string;
  /** Every long flag the binary accepts, without the leading `--`. */
  readonly flags: readonly string[];
  /** The flag that sets the port of the health endpoint, and its default. */
  readonly healthPortFlag: string;
  readonly defaultHealthPort: number;
  /** The health endpoint (HTTP GET, 200 while the controller runs). */
  readonly healthPath: string;
}

/**
 * kube-keepalived-vip 0.35, upstream's last release (`pkg/cmd/main.go` at tag 0.35).
 *
 * There is no `--watch-all-namespaces` (older images had it): `--watch-namespace` defaults to "" (all namespaces).
 * The glog flags come in through `flags.AddGoFlagSet(flag.CommandLine)`.
 */
export const KEEPALIVED_VIP_0_35: ControllerRelease = {
  version: '0.35',
  image: 'aledbf/kube-keepalived-vip:0.35',
  flags: [
    // pkg/cmd/main.go
    'apiserver-host', 'kubeconfig', 'watch-namespace', 'use-unicast', 'services-configmap', 'proxy-protocol-mode',
    'vrid', 'iface', 'http-port', 'release-vips',
    // github.com/golang/glog, registered on the Go flag set that main.go adds
    'alsologtostderr', 'log_backtrace_at', 'log_dir', 'logtostderr', 'stderrthreshold', 'v', 'vmodule',
  ],
  healthPortFlag: 'http-port',
  defaultHealthPort: 8080,
  healthPath: '/health',
};

/**
 * The flags among `args` (`--name` or `--name=value`) that `release` does not have.
 */
export function unknownFlags(release: ControllerRelease, args: readonly string[]): string[] {
  return args
    .filter((arg) => arg.startsWith('-'))
    .map((arg) => arg.replace(/^--?/, '').split('=')[0])
    .filter((flag) => !release.flags.includes(flag));
}
