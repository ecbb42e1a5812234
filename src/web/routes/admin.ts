import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { deliveryStats } from "../../delivery/repository.ts";
import { previewDigest } from "../../digests/preview.ts";
import type { Deps } from "../../platform/deps.ts";
import { recentSuppressions, subscriberStatusCounts } from "../../subscribers/repository.ts";
import { requireAdmin } from "../auth.ts";
import type { WebContext, WebRoutes } from "../context.ts";
import { refuseCrossSite } from "../origin.ts";
import { adminHomePage, noDigestPage } from "../pages/admin.ts";
import { sendPage } from "../replies.ts";

const GIVE_EMAIL = "Give ?email=ADDRESS.";
const previewQuery = z.object({
  email: z.string({ error: GIVE_EMAIL }).refine((e) => e.trim() !== "", GIVE_EMAIL),
  date: z.string().optional(),
});

/** The mail's own inline styles need to apply; scripts stay forbidden. */
const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'";

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
 * The operator's views, all behind ADMIN_TOKEN: GET /admin/preview (a reader's digest),
 * GET /admin/stats (delivery counts per edition, queue counts) and the queue dashboard.
 */
export const adminRoutes: WebRoutes = async (app, web) => {
  app.addHook("onRequest", requireAdmin(web.deps.config.ADMIN_TOKEN));
  // A browser that cached the Basic credentials must not act for another site (CSRF).
  app.addHook("onRequest", refuseCrossSite(web.deps.config.PUBLIC_URL));
  await previewRoute(app, web);

  app.get("/admin/stats", async () => {
    const { deps } = web;
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

  app.get("/admin", async (_request, reply) => sendPage(reply, 200, await adminHome(web.deps)));

  await app.register(async (dashboard) => queueDashboard(dashboard, web.deps));
};

async function previewRoute(app: FastifyInstance, web: WebContext): Promise<void> {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get("/admin/preview", { schema: { querystring: previewQuery } }, async (request, reply) => {
      const { email, date } = request.query;
      const result = await previewDigest(web.deps, await web.composer(), email, date || undefined);
      if (!result.ok) {
        const message = `Preview: ${result.error}.`;
        return result.error.startsWith("no subscriber")
          ? reply.notFound(message)
          : reply.badRequest(message);
      }
      if (!result.digest) return sendPage(reply, 200, noDigestPage(result.editionDate));
      reply.header("content-security-policy", PREVIEW_CSP);
      return sendPage(reply, 200, result.digest.html);
    });
}

async function queueDashboard(app: FastifyInstance, deps: Deps): Promise<void> {
  const board = new FastifyAdapter();
  createBullBoard({
    queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)),
    // @bull-board/fastify pins its own copy of @bull-board/api: same shape, other declarations.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]["serverAdapter"],
    options: { uiConfig: { boardTitle: "Paperboy queues" } },
  });
  board.setBasePath("/admin/queues");
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("content-security-policy", DASHBOARD_CSP);
    return payload;
  });
  await app.register(board.registerPlugin(), { prefix: "/admin/queues" });
}

/** What the admin home shows, read at request time. */
async function adminHome(deps: Deps): Promise<string> {
  const queues = Promise.all(
    Object.entries(deps.queues).map(async ([name, queue]) => ({
      name,
      paused: await queue.isPaused(),
      counts: await queue.getJobCounts("waiting", "active", "delayed", "failed"),
    })),
  );
  const [subscribers, editions, suppressions, queueRows] = await Promise.all([
    subscriberStatusCounts(deps.db),
    deliveryStats(deps.db, 7),
    recentSuppressions(deps.db, 10),
    queues,
  ]);
  const today = deps.clock.now().toISOString().slice(0, 10);
  return adminHomePage({ subscribers, editions, suppressions, queues: queueRows, today });
}
