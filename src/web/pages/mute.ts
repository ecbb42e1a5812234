import { html } from "../../platform/http/html.ts";
import type { MuteKind } from "../../subscribers/tokens.ts";
import { page } from "../layout.ts";

/** A digest's mute link: GET shows one button (link scanners mute nothing), POST mutes. */

export interface MutePageOptions {
  token: string;
  kind: MuteKind;
  /** What the reader sees: the topic's name, the keyword, the author. */
  label: string;
  manageUrl: string;
  /** After the button: whether this mute is new or was there already. */
  done?: "muted" | "already";
}

const WHAT: Record<MuteKind, string> = {
  topic: "in the topic",
  keyword: "with the keyword",
  author: "by",
};

export function mutePage(o: MutePageOptions): string {
  const what = html`papers ${WHAT[o.kind]} <strong>${o.label}</strong>`;
  const body = o.done
    ? html`<h1>${o.done === "muted" ? "Muted" : "Already muted"}</h1>
<p class="lead">You will get no more ${what}.</p>
<p><a class="button" href="${o.manageUrl}">Review or undo on your preferences page</a></p>`
    : html`<h1>Mute this?</h1>
<p class="lead">Stop sending you ${what}, even when they match what you follow.</p>
<form method="post" action="/mute/${o.token}"><button type="submit">Mute</button></form>
<p class="hint"><a href="${o.manageUrl}">Manage preferences</a></p>`;
  return page({
    title: "Mute",
    noindex: true,
    body: html`<div class="narrow center">${body}</div>`,
  });
}
