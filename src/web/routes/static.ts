import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { WebRoutes } from "../context.ts";

const PUBLIC_DIR = fileURLToPath(new URL("../../../public/", import.meta.url));

/** GET /static/*: the one stylesheet and the one small script every page loads. */
export const staticRoutes: WebRoutes = async (app) => {
  // Browsers ask for /favicon.ico whatever the page says; point them at the SVG.
  app.get("/favicon.ico", async (_request, reply) => reply.redirect("/static/favicon.svg", 301));
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: "/static/",
    maxAge: "1h",
    // One route per file present at start: nothing else under /static/ (no directory answers).
    wildcard: false,
    index: false,
    // RFC 9239's name for scripts (the mime table says application/javascript).
    setHeaders: (reply, path) => {
      if (path.endsWith(".js")) reply.header("content-type", "text/javascript; charset=utf-8");
    },
  });
};
