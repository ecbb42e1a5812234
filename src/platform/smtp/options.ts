import type { Config } from "../config.ts";

/** Where and how to reach the relay, as read from SMTP_URL. */
export interface SmtpEndpoint {
  host: string;
  port: number;
  /** Implicit TLS (smtps:); otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  /** `?tls=off`: never upgrade (a local relay without a certificate). */
  ignoreTLS: boolean;
  auth?: { user: string; pass: string };
}

/**
 * `smtp://user:pass@host:587` (STARTTLS when offered), `smtps://…:465` (TLS from the start),
 * `?tls=off` for a local relay; user and password are URL-decoded.
 */
export function smtpEndpoint(url: string): SmtpEndpoint {
  const u = new URL(url);
  const secure = u.protocol === "smtps:";
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ignoreTLS: u.searchParams.get("tls") === "off",
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
  };
}

/** Time limits shared by the mailer and the transport. */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
};

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
  headerFieldNames: string;
}

/** nodemailer's DKIM options from DKIM_*, or undefined when signing is off. */
export function dkimSettings(config: Config): DkimSettings | undefined {
  if (!config.DKIM_DOMAIN || !config.DKIM_SELECTOR || !config.DKIM_PRIVATE_KEY) return undefined;
  return {
    domainName: config.DKIM_DOMAIN,
    keySelector: config.DKIM_SELECTOR,
    privateKey: config.DKIM_PRIVATE_KEY.replace(/\\n/g, "\n"),
    // Both List-Unsubscribe headers are signed, as RFC 8058 asks.
    headerFieldNames:
      "From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post",
  };
}
