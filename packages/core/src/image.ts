/**
 * A container image reference with a pinned version: `registry[:port]/repository:tag` or `…@sha256:<digest>`.
 *
 * `ImageReference.of()` never throws: constructs check the reference when they receive it
 * (`requirePinnedImage`), so the error can name the construct and the prop (`[lab/web/myweb] 'httpdImage' must …`).
 */
export class ImageReference {
  /**
   * A reference such as `master.test:5000/myrepo/httpd:v1`. Untagged references and the floating tag
   * `latest` are rejected by the constructs that take them: a rollout must know which image it runs.
   */
  public static of(reference: string): ImageReference {
    return new ImageReference(reference);
  }

  /** Everything before the tag or digest (`master.test:5000/myrepo/httpd`). */
  public readonly repository: string;
  /** The tag (`v1`), if any. */
  public readonly tag?: string;
  /** The digest (`sha256:…`), if any. */
  public readonly digest?: string;

  private constructor(public readonly reference: string) {
    const at = reference.indexOf('@');
    const nameAndTag = at >= 0 ? reference.slice(0, at) : reference;
    this.digest = at >= 0 ? reference.slice(at + 1) : undefined;
    const slash = nameAndTag.lastIndexOf('/');
    const colon = nameAndTag.lastIndexOf(':');
    if (colon > slash) {
      this.repository = nameAndTag.slice(0, colon);
      this.tag = nameAndTag.slice(colon + 1);
    } else {
      this.repository = nameAndTag;
    }
  }

  /**
   * The registry host the image is pulled from (`master.test:5000`): the first part of the repository when it
   * names a host (a `.`, a port or `localhost`), else Docker Hub's (`docker.io`), as the container runtimes read it.
   */
  public get registry(): string {
    const first = this.repository.split('/')[0];
    return this.repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
  }

  /** The same repository with another tag: all a rolling update to a new version takes. */
  public withTag(tag: string): ImageReference {
    return ImageReference.of(`${this.repository}:${tag}`);
  }

  /**
   * Why this reference is not a pinned image, or undefined when it is.
   */
  public get problem(): string | undefined {
    if (this.reference.length === 0) return 'is empty';
    if (/\s/.test(this.reference)) return 'contains white space';
    if (!/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/.test(this.repository)) {
      return 'has an invalid repository name (lowercase letters, digits, ".", "_", "-" and "/" only)';
    }
    if (this.digest !== undefined) {
      return /^sha256:[a-f0-9]{64}$/.test(this.digest) ? undefined : 'has a malformed digest (expected sha256:<64 hex digits>)';
    }
    if (this.tag === undefined) return 'has no tag';
    if (this.tag === 'latest') return "uses the floating tag 'latest'";
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(this.tag)) return 'has an invalid tag';
    return undefined;
  }

  /** The reference as a pod spec takes it. */
  public toString(): string {
    return this.reference;
  }
}
