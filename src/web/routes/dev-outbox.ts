import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { devOutboxEnabled } from "../../platform/config.ts";
import { html, raw } from "../../platform/http/html.ts";
import type { WebRoutes } from "../context.ts";
import { page } from "../layout.ts";

/** Dev only (SMTP_URL unset): read what the app "sent" to the outbox folder, newest first. */
export const devOutboxRoutes: WebRoutes = async (app, { deps }) => {
  if (!devOutboxEnabled(deps.config)) return;
  const dir = path.resolve(deps.config.OUTBOX_DIR);

  app.get("/dev/outbox", async (_req, reply) => {
    const files = await listMessages(dir);
    const rows = await Promise.all(
      files.slice(0, 100).map(async (file) => {
        const mail = await simpleParser(await readFile(path.join(dir, file)));
        return html`<tr><td>${mail.date?.toISOString() ?? ""}</td><td>${addressText(mail.to)}</td><td><a href="/dev/outbox/${file}">${mail.subject ?? "(no subject)"}</a></td></tr>`;
      }),
    );
    reply.type("text/html; charset=utf-8");
    return page({
      title: "Dev outbox",
      noindex: true,
      body: html`<h1>Dev outbox</h1><p class="lead">Mail written to ${dir} because SMTP_URL is unset.</p>
        ${files.length ? html`<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>No mail yet.</p>`}`,
    });
  });

  app.get<{ Params: { file: string } }>("/dev/outbox/:file", async (request, reply) => {
    const file = path.basename(request.params.file);
    if (!file.endsWith(".eml")) return reply.callNotFound();
    let source: Buffer;
    try {
      source = await readFile(path.join(dir, file));
    } catch {
      return reply.callNotFound();
    }
    const mail = await simpleParser(source);
    // The message's own HTML is shown as-is: it is our own rendering, viewed by its developer.
    reply.type("text/html; charset=utf-8");
    return mail.html ? raw(mail.html).value : html`<pre>${mail.text ?? ""}</pre>`.value;
  });
};

async function listMessages(dir: string): Promise<string[]> {
  try {
    const names = (await readdir(dir)).filter((n) => n.endsWith(".eml"));
    const withTimes = await Promise.all(
      names.map(async (n) => ({ n, t: (await stat(path.join(dir, n))).mtimeMs })),
    );
    return withTimes.sort((a, b) => b.t - a.t).map((x) => x.n);
  } catch {
    return [];
  }
}

function addressText(to: unknown): string {
  if (!to) return "";
  const list = Array.isArray(to) ? to : [to];
  return list.map((a: { text?: string }) => a.text ?? "").join(", ");
}
