// Debian packages the tests and benchmarks drive (Chromium, postfix's smtp-sink): installed with
// apt-get when running as root on Debian/Ubuntu, so a fresh machine runs the whole suite.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const canApt = () => process.getuid?.() === 0 && spawnSync("which", ["apt-get"]).status === 0;
let updated = false;

/**
 * Install `packages` unless `present()` already holds; returns whether it holds afterwards.
 * `why` names what needs them, for the one line printed before installing.
 */
export function ensureDebianPackages(packages, present, why) {
  if (present()) return true;
  if (!canApt()) return false;
  console.log(`setup: installing ${packages.join(", ")} for ${why} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!updated) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    updated = true;
  }
  spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    stdio: "inherit",
    env,
  });
  return present();
}

export const SMTP_SINK = "/usr/sbin/smtp-sink";
export const SMTP_SOURCE = "/usr/sbin/smtp-source";
export const postfixPresent = () => existsSync(SMTP_SINK) && existsSync(SMTP_SOURCE);

/** postfix's smtp-sink and smtp-source, for the SMTP transport tests and the benchmarks. */
export function ensurePostfix() {
  if (ensureDebianPackages(["postfix"], postfixPresent, "the SMTP sink tests and benchmarks")) {
    return true;
  }
  console.warn(
    "\n*** SMTP-SINK TESTS WILL FAIL: postfix's smtp-sink is missing and could not be installed. ***\n" +
      "*** Install it (Debian/Ubuntu: apt-get install postfix).                                ***\n",
  );
  return false;
}
