#!/usr/bin/env node
// The image's HEALTHCHECK: exit 0 when `paperboy serve` in this container answers GET /healthz
// on PORT within 4 s, else 1. (Liveness only: /readyz says whether Postgres and Redis answer.)
const port = process.env.PORT || "3000";
const answer = await fetch(`http://127.0.0.1:${port}/healthz`, {
  signal: AbortSignal.timeout(4_000),
}).catch(() => null);
process.exit(answer?.ok ? 0 : 1);
