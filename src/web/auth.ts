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

/** The password of an `Authorization: Basic …` header, or "". */
function basicPassword(header: string | undefined): string {
  if (!header?.startsWith("Basic ")) return "";
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}

/**
 * Hook for everything under /admin: `Authorization: Bearer <ADMIN_TOKEN>` for scripts,
 * or HTTP Basic with ADMIN_TOKEN as the password so a browser can open the dashboard.
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
