import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { suppress } from "../../subscribers/service.ts";
import { bearerToken, sameSecret } from "../auth.ts";
import type { WebRoutes } from "../context.ts";

const bounceSchema = z.strictObject({
  email: z.email().max(254),
  type: z.enum(["hard_bounce", "complaint"]),
  detail: z.string().max(1000).optional(),
});
const BOUNCE_SHAPE = 'Expected JSON {"email", "type": "hard_bounce" | "complaint", "detail"?}.';

/**
 * POST /webhooks/bounce: the relay reports a hard bounce or complaint. It exists only when
 * BOUNCE_WEBHOOK_SECRET is set, and the secret is checked before the body is read.
 */
export const webhookRoutes: WebRoutes = async (app, { deps }) => {
  const secret = deps.config.BOUNCE_WEBHOOK_SECRET;
  if (!secret) return;

  app.withTypeProvider<ZodTypeProvider>().post(
    "/webhooks/bounce",
    {
      onRequest: async (request, reply) => {
        const given = bearerToken(request.headers.authorization);
        if (!given || !sameSecret(given, secret)) {
          return reply.unauthorized("Bad or missing webhook secret.");
        }
      },
      schema: { body: bounceSchema },
      schemaErrorFormatter: () => new Error(BOUNCE_SHAPE),
    },
    async (request, reply) => {
      const { email, type, detail } = request.body;
      const queues = () => deps.requestSide().queues;
      const subscriberId = await suppress(deps, queues, email, type, detail ?? null);
      request.log.info({ subscriberId, type }, "address suppressed by webhook");
      // The same answer whether or not the address is known.
      return reply.code(200).send({ status: "suppressed" });
    },
  );
};
