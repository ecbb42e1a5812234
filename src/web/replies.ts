import { httpErrors } from "@fastify/sensible";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { InputError } from "../subscribers/service.ts";

export const FORM_TYPE = "application/x-www-form-urlencoded";
export const JSON_TYPE = "application/json";

/** A rendered page; token pages and form answers are never cached. */
export function sendPage(
  reply: FastifyReply,
  status: number,
  body: string,
  cacheControl = "no-store",
) {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", cacheControl)
    .send(body);
}

/** A one-line plain-text answer to a link a mail client POSTed (one-click, feedback); never cached. */
export function sendText(reply: FastifyReply, text: string) {
  return reply
    .code(200)
    .type("text/plain; charset=utf-8")
    .header("cache-control", "no-store")
    .send(text);
}

export function mediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * For routes a mail client or a one-tap button may POST with any body or none (RFC 8058
 * one-click, feedback, mutes): every content type is accepted; a urlencoded form is read as
 * fields, anything else as an empty one.
 */
export function acceptAnyBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    if (mediaType(request) === FORM_TYPE) {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    } else {
      done(null, {});
    }
  });
}

/** Hook: answer 415 unless the body is of the one type this route reads. */
export const requireType =
  (type: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (mediaType(request) !== type) {
      return reply.unsupportedMediaType(`Unsupported content type: send ${type}.`);
    }
  };

/** Rethrow a service's InputError (bad input found after parsing) as a 400 with its message. */
export function inputErrorAs400(error: unknown): never {
  if (error instanceof InputError) throw httpErrors.badRequest(error.message);
  throw error;
}
