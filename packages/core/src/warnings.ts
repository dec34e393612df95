import { IConstruct } from 'constructs';
import { AppChecks, collectWarnings, WARNING } from './app-checks';

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
    return collectWarnings(root);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Records a warning on this construct, once: the same message again (a check run a second time) adds nothing.
   * Every synth of the app prints it (a plain `app.synth()` on stderr, through the app's validation; `synthApp`
   * returns it instead).
   */
  public add(message: string): void {
    AppChecks.of(this.scope);
    if (this.scope.node.metadata.some((m) => m.type === WARNING && m.data === message)) return;
    this.scope.node.addMetadata(WARNING, message, { stackTrace: false });
  }
}
