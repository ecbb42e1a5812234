import { html, type SafeHtml } from "../../platform/http/html.ts";
import { page } from "../layout.ts";

/** The preferences page's last section: the private feed, the data download and erasure. */
export function yourDataSection(o: { token: string; feedUrl: string }): SafeHtml {
  return html`<section class="card your-data" aria-labelledby="your-data">
<h2 id="your-data">Your data</h2>
<p>Your own feed of the digests you were sent, for a feed reader (private: don’t share it):
<a href="${o.feedUrl}.xml">RSS</a> · <a href="${o.feedUrl}.json">JSON Feed</a></p>
<p><a href="/api/me/${o.token}" download="paperboy-data.json">Download everything we hold about you</a> (JSON: profile, preferences, deliveries, history).</p>
<form method="post" action="/erase/${o.token}">
<input type="hidden" name="confirm" value="erase">
<p class="hint">Erasing removes your address, preferences and history for good. Only a one-way hash of your address stays, so no list import can add you again.</p>
<button type="submit" class="secondary">Erase me</button>
</form>
</section>`;
}

/** After an erasure: nothing of the reader is left to show. */
export function erasedPage(): string {
  return page({
    title: "Erased",
    noindex: true,
    body: html`<div class="narrow center"><h1>You’re erased</h1>
<p class="lead">Your address, preferences and history are gone, and no digest will reach you. Your old links no longer work.</p></div>`,
  });
}
