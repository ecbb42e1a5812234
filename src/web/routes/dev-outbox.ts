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
        return html`<li><a href="/dev/outbox/${file}">${mail.subject ?? "(no subject)"}</a><br><span class="meta">To ${addressText(mail.to)} · ${mail.date?.toUTCString() ?? ""}</span></li>`;
      }),
    );
    reply.type("text/html; charset=utf-8");
    return page({
      title: "Dev outbox",
      noindex: true,
      body: html`<h1>Dev outbox</h1><p class="lead">Mail written to <code>${dir}</code> because SMTP_URL is unset, newest first.</p>
        ${files.length ? html`<ul class="outbox">${rows}</ul>` : html`<p>No mail yet.</p>`}`,
    });
  });

  /** One mail as a client shows it: headers, the HTML part in a sandboxed frame, the text part. */
  app.get<{ Params: { file: string } }>("/dev/outbox/:file", async (request, reply) => {
    const mail = await readMail(dir, request.params.file);
    if (!mail) return reply.callNotFound();
    const file = path.basename(request.params.file);
    const headers = ["from", "to", "subject", "date", "list-unsubscribe", "list-unsubscribe-post"]
      .map((name) => [name, headerText(mail.headers.get(name))] as const)
      .filter(([, value]) => value);
    reply.type("text/html; charset=utf-8");
    return page({
      title: mail.subject ?? "Mail",
      noindex: true,
      body: html`<p><a href="/dev/outbox">← All mail</a></p>
<h1 class="mail-subject">${mail.subject ?? "(no subject)"}</h1>
<dl class="mail-headers">${headers.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
${mail.html ? html`<h2>HTML part</h2><iframe class="mail-frame" sandbox="allow-popups allow-popups-to-escape-sandbox" src="/dev/outbox/${file}/html" title="The mail's HTML part"></iframe>` : ""}
<h2 id="text-part">Text part</h2><pre class="mail-text" tabindex="0" role="region" aria-labelledby="text-part">${mail.text ?? "(none)"}</pre>`,
    });
  });

  // The HTML part alone, under a mail client's rules: inline styles and https images allowed,
  // no scripts, no forms, framed only by the page above.
  app.get<{ Params: { file: string } }>("/dev/outbox/:file/html", async (request, reply) => {
    const mail = await readMail(dir, request.params.file);
    if (!mail?.html) return reply.callNotFound();
    return reply
      .type("text/html; charset=utf-8")
      .header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'",
      )
      .header("x-frame-options", "SAMEORIGIN")
      .send(raw(mail.html).value);
  });
};

async function readMail(dir: string, name: string) {
  const file = path.basename(name);
  if (!file.endsWith(".eml")) return null;
  try {
    return await simpleParser(await readFile(path.join(dir, file)));
  } catch {
    return null;
  }
}

function headerText(value: unknown): string {
  if (!value) return "";
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toUTCString();
  if (typeof value === "object" && "text" in value) return String((value as { text: string }).text);
  if (typeof value === "object" && "value" in value)
    return String((value as { value: unknown }).value);
  return String(value);
}

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
