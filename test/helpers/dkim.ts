import { createHash, createPublicKey, verify } from "node:crypto";

/** Relaxed/relaxed DKIM verification (RFC 6376 §3.4.2, §3.4.4) of one signature. */
export function verifyDkim(
  message: string,
  publicKeyPem: string,
): { ok: boolean; signed: string[] } {
  const split = message.indexOf("\r\n\r\n");
  const headerBlock = message.slice(0, split);
  const body = message.slice(split + 4);
  const fields = headerBlock.split(/\r\n(?![ \t])/);
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f))!;
  const tags = Object.fromEntries(
    sigField
      .slice(sigField.indexOf(":") + 1)
      .replace(/\s+/g, "")
      .split(";")
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]),
  );
  const relaxedHeader = (f: string) => {
    const i = f.indexOf(":");
    const value = f
      .slice(i + 1)
      .replace(/\r\n/g, "")
      .replace(/[ \t]+/g, " ")
      .trim();
    return `${f.slice(0, i).trim().toLowerCase()}:${value}`;
  };
  let canonBody = body
    .split("\r\n")
    .map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""))
    .join("\r\n")
    .replace(/(\r\n)*$/, "");
  canonBody = canonBody ? `${canonBody}\r\n` : "";
  const bodyHash = createHash("sha256").update(canonBody, "latin1").digest("base64");
  const signed = tags.h!.split(":").map((h: string) => h.toLowerCase());
  const used = new Map<string, number>();
  const lines: string[] = [];
  for (const name of signed) {
    const all = fields.filter((f) => f.slice(0, f.indexOf(":")).trim().toLowerCase() === name);
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    const field = all[all.length - 1 - n];
    if (field) lines.push(relaxedHeader(field));
  }
  lines.push(relaxedHeader(sigField).replace(/b=[^;]*$/, "b="));
  const ok =
    bodyHash === tags.bh &&
    verify(
      "sha256",
      Buffer.from(lines.join("\r\n"), "latin1"),
      createPublicKey(publicKeyPem),
      Buffer.from(tags.b!, "base64"),
    );
  return { ok, signed };
}
