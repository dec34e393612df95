#!/usr/bin/env node
import { OperatorError, SiteOperator } from './operator';

const USAGE = `usage: cdk8s-vserver <command> ...   (operates a synthesized app on the cluster kubectl points at)

  preflight [DIR]        the server is a Kubernetes version the output supports (1.21-1.30); with DIR, it also
                         serves the custom resources DIR holds (MetalLB's), every namespace DIR uses exists
                         or is created by DIR, and every Secret and ConfigMap DIR's pods need exists (each
                         missing one is named with what it is and the command that creates it)
  diff DIR               what an apply of DIR would change (exit 1 when something would)
  deploy DIR [APP]       apply DIR's namespaces, stop if a Secret or ConfigMap its pods need is missing (saying
                         how to make each), then apply DIR and prune the app's objects that DIR no longer has
                         (never its volumes, claims or namespaces)
  wait APP [SELECTOR]    wait until every Deployment and DaemonSet of the app has rolled out
  images DIR             the commands that put every image DIR pulls into its registry (build and push, or copy)
  uninstall APP [DIR]    delete every object of the app, and nothing else; a namespace it created goes too,
                         unless something that is not the app's is in it
  restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]
                         put SERVER's docroot back from its backups (SNAPSHOT: an id from the backup job's log,
                         or latest, the default), and its database from the dump of the same backup run (not
                         with --path or --files-only), or only PATH in it: first lists what it would overwrite
                         or write; with --yes it then restores (files and tables created since stay)

DIR is the app's folder (dist/<app>), with the contract its synth wrote (operator/contract.json); APP is the
app's name, the app.kubernetes.io/part-of label of its objects: deploy takes it from DIR, and refuses another.
Each command prints the kubectl commands it runs. Run it from the project that installed @cdk8s-vserver/operator as
\`npx --no cdk8s-vserver deploy dist/lab\` (--no: npx never fetches a package of that name from the registry).`;

/** `restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]`, its flags anywhere after the command. */
function restore(args: string[], operator: SiteOperator): number {
  const form = 'usage: cdk8s-vserver restore DIR SERVER [SNAPSHOT] [--path PATH] [--files-only] [--yes]';
  const positional: string[] = [];
  let only: string | undefined;
  let yes = false;
  let filesOnly = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--yes') {
      yes = true;
    } else if (args[i] === '--files-only') {
      filesOnly = true;
    } else if (args[i] === '--path') {
      only = args[++i];
      if (!only) throw new OperatorError(form, 2);
    } else if (args[i].startsWith('--')) {
      throw new OperatorError(`cdk8s-vserver restore: unknown flag ${args[i]}\n${form}`, 2);
    } else {
      positional.push(args[i]);
    }
  }
  if (positional.length < 2 || positional.length > 3 || positional.some((a) => !a)) throw new OperatorError(form, 2);
  return operator.restore(positional[0], positional[1], { snapshot: positional[2], only, yes, filesOnly });
}

/** Runs one command line of the operator CLI; returns the exit status. */
export function main(argv: string[], operator = new SiteOperator()): number {
  const [command, ...args] = argv;
  const need = (count: number, max: number, form: string) => {
    if (args.length < count || args.length > max || args.slice(0, count).some((a) => !a)) throw new OperatorError(`usage: cdk8s-vserver ${form}`, 2);
  };
  try {
    switch (command) {
      case 'preflight': need(0, 1, 'preflight [DIR]'); return operator.preflight(args[0]);
      case 'diff': need(1, 1, 'diff DIR'); return operator.diff(args[0]);
      case 'deploy': need(1, 2, 'deploy DIR [APP]'); return operator.deploy(args[0], args[1]);
      case 'wait': need(1, 2, 'wait APP [SELECTOR]'); return operator.wait(args[0], args[1]);
      case 'images': need(1, 1, 'images DIR'); return operator.images(args[0]);
      case 'uninstall': need(1, 2, 'uninstall APP [DIR]'); return operator.uninstall(args[0], args[1]);
      case 'restore': return restore(args, operator);
      case 'help': case '--help': case '-h': process.stdout.write(`${USAGE}\n`); return 0;
      default:
        process.stderr.write(`${command === undefined ? '' : `cdk8s-vserver: unknown command ${JSON.stringify(command)}\n`}${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (!(e instanceof OperatorError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return e.exitCode;
  }
}
