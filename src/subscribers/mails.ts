import type { Deps } from "../platform/deps.ts";
import type { OutgoingMail } from "../platform/mailer.ts";
import { loadMjmlTemplate, type TemplateFn } from "../platform/templates.ts";
import { wrap } from "../platform/text-wrap.ts";
import { hourLabel, WEEKDAYS } from "./changes.ts";
import type { PreferencesView } from "./preferences.ts";
import { recordEvents } from "./repository.ts";

/** Transactional mails: answers to something the reader just did, so no list headers. */
const TRANSACTIONAL_HEADERS = { "Auto-Submitted": "auto-generated" };

export interface SubscriberMails {
  confirmation(to: string, confirmUrl: string): OutgoingMail;
  welcome(
    to: string,
    links: { manage: string; unsubscribe: string },
    prefs: PreferencesView,
    topicNames: string[],
  ): OutgoingMail;
  /** "Email me my links": the reader's manage and unsubscribe links, and nothing else. */
  links(to: string, links: { manage: string; unsubscribe: string }): OutgoingMail;
}

interface WelcomeData {
  manageUrl: string;
  unsubscribeUrl: string;
  summary: string[];
}

/** Compile the MJML templates once (slow); the returned builders are cheap per mail. */
export async function loadSubscriberMails(): Promise<SubscriberMails> {
  const [confirmation, welcome, links] = await Promise.all([
    loadMjmlTemplate<{ confirmUrl: string; email: string }>("confirmation"),
    loadMjmlTemplate<WelcomeData>("welcome"),
    loadMjmlTemplate<Omit<WelcomeData, "summary">>("links"),
  ]);
  return {
    links: (to, urls) => linksMail(links, to, urls),
    confirmation: (to, confirmUrl) => confirmationMail(confirmation, to, confirmUrl),
    welcome: (to, links, prefs, topicNames) => {
      const summary = welcomeSummary(prefs, topicNames);
      return {
        to,
        subject: "Welcome to Paperboy",
        html: welcome({ manageUrl: links.manage, unsubscribeUrl: links.unsubscribe, summary }),
        text: [
          "You're subscribed to Paperboy.",
          "",
          ...summary.flatMap((line) => [...wrap(line), ""]),
          ...wrap(
            `Manage preferences (topics, keywords, authors, send hour, pause): ${links.manage}`,
          ),
          ...wrap(`Unsubscribe in one click: ${links.unsubscribe}`),
          "",
          "Keep this mail: its links are yours alone.",
        ].join("\n"),
        headers: TRANSACTIONAL_HEADERS,
      };
    },
  };
}

const listed = (items: string[]) =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

/**
 * What the reader signed up for, in sentences: "Your daily digest arrives at 8:00
 * (Europe/Berlin), with papers on Agents & tool use and Reinforcement learning."
 */
export function welcomeSummary(prefs: PreferencesView, topicNames: string[]): string[] {
  const when =
    prefs.frequency === "weekly"
      ? `Your weekly digest arrives on ${WEEKDAYS[prefs.weekly_day]}s at ${hourLabel(prefs.send_hour)} (${prefs.timezone})`
      : `Your daily digest arrives at ${hourLabel(prefs.send_hour)} (${prefs.timezone})`;
  const what = topicNames.length
    ? `with new papers on ${listed(topicNames)}`
    : "with the top trending papers";
  const lines = [`${when}, ${what}.`];
  const follows = [
    prefs.keywords.length ? `the keywords ${listed(prefs.keywords)}` : "",
    prefs.authors.length ? `the authors ${listed(prefs.authors)}` : "",
  ].filter(Boolean);
  if (follows.length) lines.push(`It also picks papers matching ${listed(follows)}.`);
  lines.push(
    prefs.skip_empty
      ? "On a day with nothing new for you, we send nothing."
      : "On a day with nothing new for you, you still get a short note with what is trending.",
  );
  return lines;
}

function linksMail(
  template: TemplateFn<Omit<WelcomeData, "summary">>,
  to: string,
  links: { manage: string; unsubscribe: string },
): OutgoingMail {
  return {
    to,
    subject: "Your Paperboy links",
    html: template({ manageUrl: links.manage, unsubscribeUrl: links.unsubscribe }),
    text: [
      "You asked for the links to your Paperboy subscription. No password needed.",
      "",
      ...wrap(`Your preferences (topics, keywords, authors, send hour, pause): ${links.manage}`),
      "",
      ...wrap(`Unsubscribe in one click: ${links.unsubscribe}`),
      "",
      ...wrap(
        "Keep this mail: its links are yours alone. If you did not ask for it, ignore it: nothing has changed.",
      ),
    ].join("\n"),
    headers: TRANSACTIONAL_HEADERS,
  };
}

function confirmationMail(
  template: TemplateFn<{ confirmUrl: string; email: string }>,
  to: string,
  confirmUrl: string,
): OutgoingMail {
  return {
    to,
    subject: "Confirm your Paperboy subscription",
    html: template({ confirmUrl, email: to }),
    text: [
      ...wrap(
        `Someone, hopefully you, asked to receive the Paperboy digest of trending research papers at ${to}. Open this link to confirm; until then we send nothing else:`,
      ),
      "",
      confirmUrl,
      "",
      ...wrap("The link works for 7 days. If you did not ask for this, ignore this mail."),
    ].join("\n"),
    headers: TRANSACTIONAL_HEADERS,
  };
}

/** Send one transactional mail and log it as an event (kind only: never the address). */
export async function sendTransactional(
  deps: Pick<Deps, "db" | "mailer" | "metrics" | "clock">,
  kind: "confirmation" | "welcome" | "links",
  subscriberId: number,
  mail: OutgoingMail,
): Promise<void> {
  await deps.mailer.send(mail);
  deps.metrics.mailsSent.inc({ kind });
  await recordEvents(deps.db, [{ type: `mail.${kind}_sent`, subscriberId }], deps.clock.now());
}
