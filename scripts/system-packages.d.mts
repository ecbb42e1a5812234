// Types for scripts/system-packages.mjs (plain JS, runs before dependencies exist).
export function ensureDebianPackages(
  packages: string[],
  present: () => boolean,
  why: string,
): boolean;
export const SMTP_SINK: string;
export const SMTP_SOURCE: string;
export function postfixPresent(): boolean;
export function ensurePostfix(): boolean;
