import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Compare secrets in constant time (hashing first makes lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or "". */
export function bearerToken(header: string | undefined): string {
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : "";
}

/**
 * The password of an `Authorization: Basic base64(user:password)` header, or "": the decoded
 * value must hold a colon (RFC 7617), so the token alone, without `user:`, is refused.
 */
export function basicPassword(header: string | undefined): string {
  if (!header?.startsWith("Basic ")) return "";
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return "";
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? "" : decoded.slice(colon + 1);
}

/**
 * Hook for everything under /admin (and /metrics): `Authorization: Bearer <ADMIN_TOKEN>` for
 * scripts and Prometheus, or HTTP Basic `user:ADMIN_TOKEN` (any user name, then a colon and the
 * token as the password) so a browser can open the dashboard. Nothing else is accepted.
 */
export function requireAdmin(adminToken: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const given = bearerToken(header) || basicPassword(header);
    if (given && sameSecret(given, adminToken)) return;
    return reply
      .code(401)
      .header("www-authenticate", 'Basic realm="Paperboy admin", charset="UTF-8"')
      .send({ error: "Admin token required.", statusCode: 401 });
  };
}
