import { createHash, timingSafeEqual } from "node:crypto";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Deps } from "../platform/deps.ts";
import { requireAdmin } from "../platform/http/admin-auth.ts";
import type { RoutePlugin } from "../platform/http/app.ts";
import { suppressAddress } from "../subscribers/repository.ts";
import { deliveryStats } from "./repository.ts";

const bounceSchema = z.strictObject({
  email: z.email().max(254),
  type: z.enum(["hard_bounce", "complaint"]),
  detail: z.string().max(1000).optional(),
});

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The bull-board UI has inline styles and Google fonts; loosen the CSP for it alone. */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
].join("; ");

/**
 * POST /webhooks/bounce (relay → us), and the operator's views: GET /admin/stats (delivery
 * counts per edition) and the queue dashboard under /admin/queues, both behind ADMIN_TOKEN.
 */
export const deliveryRoutes: RoutePlugin = async (app: FastifyInstance, deps: Deps) => {
  // The queue is paused in Redis by whichever worker saw the failures: report that state here.
  app.addHook("onRequest", async (request) => {
    if (request.url !== "/metrics") return;
    try {
      deps.metrics.sendQueuePaused.set((await deps.queues.send.isPaused()) ? 1 : 0);
    } catch {
      // Redis down: /readyz says so; keep the last value.
    }
  });

  app.post("/webhooks/bounce", async (request, reply) => {
    const secret = deps.config.BOUNCE_WEBHOOK_SECRET;
    if (!secret) return reply.code(404).send({ error: "Not found.", statusCode: 404 });
    const header = request.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    if (!given || !sameSecret(given, secret)) {
      return reply.code(401).send({ error: "Bad or missing webhook secret.", statusCode: 401 });
    }
    const parsed = bounceSchema.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'Expected JSON {"email", "type": "hard_bounce" | "complaint", "detail"?}.',
        statusCode: 400,
      });
    }
    const { email, type, detail } = parsed.data;
    const subscriberId = await suppressAddress(
      deps.db,
      email,
      type,
      detail ?? null,
      deps.clock.now(),
    );
    request.log.info({ subscriberId, type }, "address suppressed by webhook");
    // The same answer whether or not the address is known.
    return reply.code(200).send({ status: "suppressed" });
  });

  app.get("/admin/stats", { preHandler: requireAdmin(deps.config.ADMIN_TOKEN) }, async () => {
    const counts = await Promise.all(
      Object.entries(deps.queues).map(async ([name, queue]) => [
        name,
        {
          paused: await queue.isPaused(),
          ...(await queue.getJobCounts("waiting", "active", "delayed", "failed", "completed")),
        },
      ]),
    );
    return { editions: await deliveryStats(deps.db), queues: Object.fromEntries(counts) };
  });

  await app.register(async (dashboard) => {
    const board = new FastifyAdapter();
    createBullBoard({
      queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)),
      // @bull-board/fastify pins its own copy of @bull-board/api: same shape, other declarations.
      serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]["serverAdapter"],
      options: { uiConfig: { boardTitle: "Paperboy queues" } },
    });
    board.setBasePath("/admin/queues");
    dashboard.addHook("onRequest", requireAdmin(deps.config.ADMIN_TOKEN));
    dashboard.addHook("onSend", async (_request, reply, payload) => {
      reply.header("content-security-policy", DASHBOARD_CSP);
      return payload;
    });
    await dashboard.register(board.registerPlugin(), { prefix: "/admin/queues" });
  });
};
