import { html, type SafeHtml } from "../../platform/http/html.ts";
import { page } from "../layout.ts";

/** The admin preview when the reader would get nothing that day. */
export function noDigestPage(editionDate: string): string {
  return page({
    title: "Preview",
    noindex: true,
    body: html`<h1>No digest for ${editionDate}</h1><p>Nothing matched and this reader skips empty days.</p>`,
  });
}

export interface AdminHome {
  subscribers: Record<string, number>;
  editions: { edition: string; counts: Partial<Record<string, number>>; total: number }[];
  suppressions: { email: string; reason: string; detail: string | null; created_at: Date }[];
  queues: { name: string; paused: boolean; counts: Record<string, number> }[];
  /** Today's edition date, the preview form's default. */
  today: string;
}

const READER_STATES = ["active", "pending", "unsubscribed", "bounced", "complained"];
const DELIVERY_STATES = ["sent", "skipped", "failed", "cancelled", "pending", "sending"];
const QUEUE_STATES = ["waiting", "active", "delayed", "failed"];

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** GET /admin: the operator's overview, with links to the tools. */
export function adminHomePage(o: AdminHome): string {
  const total = Object.values(o.subscribers).reduce((a, b) => a + b, 0);
  return page({
    title: "Admin",
    noindex: true,
    body: html`<h1>Admin</h1>
<nav class="card admin-links" aria-label="Admin tools"><a href="/admin/queues">Queue dashboard</a> · <a href="/admin/stats">Delivery stats (JSON)</a> · <a href="/docs">API docs</a> · <a href="/metrics">Metrics</a></nav>
<section aria-labelledby="readers"><h2 id="readers">Readers (${total})</h2>
${table(
  ["Status", "Readers"],
  READER_STATES.map((s) => [s, String(o.subscribers[s] ?? 0)]),
)}</section>
<section aria-labelledby="editions"><h2 id="editions">Last editions</h2>
${
  o.editions.length
    ? table(
        ["Edition", ...DELIVERY_STATES],
        o.editions.map((e) => [e.edition, ...DELIVERY_STATES.map((s) => String(e.counts[s] ?? 0))]),
      )
    : html`<p>No edition was delivered yet. <code>paperboy digest</code> sends one now.</p>`
}</section>
<section aria-labelledby="bounces"><h2 id="bounces">Recent bounces and complaints</h2>
${
  o.suppressions.length
    ? table(
        ["When", "Address", "Kind", "Detail"],
        o.suppressions.map((s) => [utc(s.created_at), s.email, s.reason, s.detail ?? ""]),
      )
    : html`<p>None.</p>`
}</section>
<section aria-labelledby="queues"><h2 id="queues">Queues</h2>
${table(
  ["Queue", ...QUEUE_STATES, "Paused"],
  o.queues.map((q) => [
    q.name,
    ...QUEUE_STATES.map((s) => String(q.counts[s] ?? 0)),
    q.paused ? "yes" : "no",
  ]),
)}</section>
<section aria-labelledby="preview"><h2 id="preview">Preview a reader’s digest</h2>
<form method="get" action="/admin/preview" class="card">
<div class="row">
<div class="field"><label for="preview-email">Reader’s address</label><input type="email" id="preview-email" name="email" required></div>
<div class="field"><label for="preview-date">Edition</label><input type="date" id="preview-date" name="date" value="${o.today}"></div>
</div>
<button type="submit">Preview</button>
</form></section>`,
  });
}

function table(head: string[], rows: string[][]): SafeHtml {
  return html`<div class="table-wrap"><table>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}</tr>`)}</tbody>
</table></div>`;
}
