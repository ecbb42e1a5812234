import type { FastifyReply, FastifyRequest } from "fastify";

/** Methods that only read; everything else changes state and must come from our own pages. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a browser sent this request from another site. `Sec-Fetch-Site` decides when present
 * (every current browser sends it): `cross-site` or `same-site` (a sibling subdomain is another
 * site to us) is refused. Without it, an `Origin` other than PUBLIC_URL's is refused. `Origin:
 * null` decides nothing: our own pages send it too, as their `Referrer-Policy: no-referrer`
 * makes browsers hide the origin of form posts. Clients that send neither header (scripts, mail
 * clients, curl) are not browsers posting on someone's behalf.
 */
export function isCrossSite(
  headers: { origin?: string | string[]; "sec-fetch-site"?: string | string[] },
  publicOrigin: string,
): boolean {
  const site = headers["sec-fetch-site"];
  if (site !== undefined) {
    const value = String(site).toLowerCase();
    return value === "cross-site" || value === "same-site";
  }
  const origin = headers.origin;
  if (origin === undefined) return false;
  const given = String(origin).toLowerCase();
  if (given === "null") return false;
  return given !== publicOrigin && loopbackAlias(given) !== loopbackAlias(publicOrigin);
}

/**
 * localhost, 127.0.0.1 and [::1] are one machine (a dev server opened under another name); any
 * other origin maps to itself. Only a page served from this machine can have such an origin.
 */
function loopbackAlias(origin: string): string {
  return origin.replace(/^(https?:\/\/)(localhost|127\.0\.0\.1|\[::1\])(?=:|$)/, "$1loopback");
}

/** PUBLIC_URL's origin (scheme, host and port), as browsers write it in `Origin`. */
export const originOf = (publicUrl: string): string => new URL(publicUrl).origin.toLowerCase();

/**
 * Hook for routes that change state on a browser's request (forms, admin actions): a request
 * from another site gets the app's 403 before anything happens. Safe methods pass.
 */
export function refuseCrossSite(publicUrl: string) {
  const publicOrigin = originOf(publicUrl);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method)) return;
    if (isCrossSite(request.headers, publicOrigin)) {
      return reply.forbidden("This form can only be sent from this site's own pages.");
    }
  };
}
