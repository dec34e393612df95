import { IConstruct } from 'constructs';
import { AppChecks, WARNING } from './app-checks';
import { pathOf } from './errors';

/**
 * Synth-time warnings: problems that do not stop the synth but that a person must read
 * (the app's synth prints every one, prefixed with the construct path).
 */
export class Warnings {
  /** The warnings of `scope`. */
  public static of(scope: IConstruct): Warnings {
    return new Warnings(scope);
  }

  /** Every warning under `root`, as `[construct path] message`, in construct-tree order. */
  public static collect(root: IConstruct): string[] {
    return root.node.findAll().flatMap((c) =>
      c.node.metadata.filter((m) => m.type === WARNING).map((m) => `[${pathOf(c)}] ${m.data}`));
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Records a warning on this construct. Every synth of the app prints it (a plain `app.synth()` on stderr, through
   * the app's validation; `synthApp` returns it instead).
   */
  public add(message: string): void {
    AppChecks.of(this.scope);
    this.scope.node.addMetadata(WARNING, message, { stackTrace: false });
  }
}
