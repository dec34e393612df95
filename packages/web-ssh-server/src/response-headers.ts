import { requireEnum, requireWholeSeconds, SiteError } from '@cdk8s-vserver/core';
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * HTTP Strict Transport Security: browsers that saw the header refuse plain HTTP to the server's names until it
 * expires. Opt in once HTTPS works for every hostname; start short (`Hsts.maxAge(Duration.minutes(5))`), then long.
 */
export class Hsts {
  /**
   * Two years, every subdomain, and `preload`: what the browsers' preload list (hstspreload.org) asks for before it
   * takes a domain. Only for a server whose hostnames include the registrable domain itself (`example.org`) and whose
   * every subdomain serves HTTPS: a preloaded domain is HTTPS-only in browsers for years, even after the header goes.
   */
  public static preloadReady(): Hsts {
    return new Hsts(Duration.days(730), true, true);
  }

  /**
   * `max-age` only (and `includeSubDomains` when asked). At least 180 days (`Duration.days(180)`) is what the SSL
   * Labs rating and testssl.sh grade A+.
   */
  public static maxAge(maxAge: Duration, options: { readonly includeSubdomains?: boolean } = {}): Hsts {
    return new Hsts(maxAge, options.includeSubdomains ?? false, false);
  }

  private constructor(private readonly duration: Duration, private readonly includeSubdomains: boolean, private readonly preload: boolean) {}

  /** The header's value, `max-age=63072000; includeSubDomains; preload`; fails naming `prop` on a bad duration. */
  public headerValue(scope: IConstruct, prop: string): string {
    const seconds = requireWholeSeconds(scope, prop, this.duration, 1);
    return [`max-age=${seconds}`, ...(this.includeSubdomains ? ['includeSubDomains'] : []), ...(this.preload ? ['preload'] : [])].join('; ');
  }

  /** For messages: `Hsts.maxAge(5 minutes)`. */
  public toString(): string {
    return this.preload ? 'Hsts.preloadReady()' : `Hsts.maxAge(${this.duration.toHumanString()}${this.includeSubdomains ? ', includeSubdomains' : ''})`;
  }
}

/** The `Referrer-Policy` a server sends: how much of a page's address the browser tells the next site. */
export enum ReferrerPolicy {
  NO_REFERRER = 'no-referrer',
  NO_REFERRER_WHEN_DOWNGRADE = 'no-referrer-when-downgrade',
  ORIGIN = 'origin',
  ORIGIN_WHEN_CROSS_ORIGIN = 'origin-when-cross-origin',
  SAME_ORIGIN = 'same-origin',
  STRICT_ORIGIN = 'strict-origin',
  /** The browsers' own default: the full address to the same site, only the origin to others, nothing to HTTP. */
  STRICT_ORIGIN_WHEN_CROSS_ORIGIN = 'strict-origin-when-cross-origin',
  UNSAFE_URL = 'unsafe-url',
}

/** Who may show the server's pages in a frame (`X-Frame-Options`): against clickjacking. */
export enum FramePolicy {
  /** No page in a frame at all. */
  DENY = 'DENY',
  /** Frames of the server's own pages only. */
  SAME_ORIGIN = 'SAMEORIGIN',
  /** No header: any site may frame the pages (a widget meant to be embedded). */
  ANY = 'any',
}

/** Response headers every answer of a server carries, over HTTP and HTTPS. */
export interface ResponseHeaders {
  /**
   * `X-Content-Type-Options: nosniff`: browsers run a file as a script or style only when its type says so, so an
   * upload named `.txt` is never run as a script.
   * @default true
   */
  readonly contentTypeNosniff?: boolean | undefined;
  /** @default ReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN */
  readonly referrerPolicy?: ReferrerPolicy | undefined;
  /** @default FramePolicy.SAME_ORIGIN */
  readonly framing?: FramePolicy | undefined;
}

/** The environment the httpd image reads for {@link ResponseHeaders}, checked. */
export function responseHeadersEnv(scope: IConstruct, prop: string, headers: ResponseHeaders = {}): Record<string, string> {
  const nosniff = headers.contentTypeNosniff ?? true;
  if (typeof nosniff !== 'boolean') throw SiteError.invalidProp(scope, `${prop}.contentTypeNosniff`, nosniff, 'be true or false');
  const referrer = requireEnum(scope, `${prop}.referrerPolicy`, headers.referrerPolicy ?? ReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, ReferrerPolicy);
  const framing = requireEnum(scope, `${prop}.framing`, headers.framing ?? FramePolicy.SAME_ORIGIN, FramePolicy);
  return {
    CONTENT_TYPE_NOSNIFF: String(nosniff),
    REFERRER_POLICY: referrer,
    ...(framing !== FramePolicy.ANY ? { FRAME_OPTIONS: framing } : {}),
  };
}
