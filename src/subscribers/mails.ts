import type { Deps } from "../platform/deps.ts";
import type { OutgoingMail } from "../platform/mailer.ts";
import { loadMjmlTemplate, type TemplateFn } from "../platform/templates.ts";
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
}

/** Compile both MJML templates once (slow); the returned builders are cheap per mail. */
export async function loadSubscriberMails(): Promise<SubscriberMails> {
  const [confirmation, welcome] = await Promise.all([
    loadMjmlTemplate<{ confirmUrl: string }>("confirmation"),
    loadMjmlTemplate<{
      manageUrl: string;
      unsubscribeUrl: string;
      schedule: string;
      topicsLabel: string;
    }>("welcome"),
  ]);
  return {
    confirmation: (to, confirmUrl) => confirmationMail(confirmation, to, confirmUrl),
    welcome: (to, links, prefs, topicNames) => {
      const schedule =
        prefs.frequency === "weekly"
          ? `on ${WEEKDAYS[prefs.weekly_day]} around ${hourLabel(prefs.send_hour)} (${prefs.timezone})`
          : `at ${hourLabel(prefs.send_hour)} (${prefs.timezone}) on the next day with new papers`;
      const topicsLabel = topicNames.length
        ? `papers on ${topicNames.join(", ")}`
        : "the day's top trending papers";
      const data = {
        manageUrl: links.manage,
        unsubscribeUrl: links.unsubscribe,
        schedule,
        topicsLabel,
      };
      return {
        to,
        subject: "Welcome to Paperboy",
        html: welcome(data),
        text: [
          "You're subscribed to Paperboy.",
          "",
          `Your first digest arrives ${schedule}, with ${topicsLabel}.`,
          "",
          `Manage preferences (topics, keywords, authors, send hour, pause): ${links.manage}`,
          `Unsubscribe in one click: ${links.unsubscribe}`,
          "",
          "Keep this mail: its links are yours alone.",
        ].join("\n"),
        headers: TRANSACTIONAL_HEADERS,
      };
    },
  };
}

function confirmationMail(
  template: TemplateFn<{ confirmUrl: string }>,
  to: string,
  confirmUrl: string,
): OutgoingMail {
  return {
    to,
    subject: "Confirm your Paperboy subscription",
    html: template({ confirmUrl }),
    text: [
      "Someone, hopefully you, asked to receive the Paperboy digest of trending research papers",
      "at this address. Open this link to confirm; until then we send nothing else:",
      "",
      confirmUrl,
      "",
      "The link works for 7 days. If you did not ask for this, ignore this mail.",
    ].join("\n"),
    headers: TRANSACTIONAL_HEADERS,
  };
}

/** Send one transactional mail and log it as an event (kind only: never the address). */
export async function sendTransactional(
  deps: Pick<Deps, "db" | "mailer" | "metrics" | "clock">,
  kind: "confirmation" | "welcome",
  subscriberId: number,
  mail: OutgoingMail,
): Promise<void> {
  await deps.mailer.send(mail);
  deps.metrics.mailsSent.inc({ kind });
  await recordEvents(deps.db, [{ type: `mail.${kind}_sent`, subscriberId }], deps.clock.now());
}
