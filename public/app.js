// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Prefill empty timezone fields with the browser's zone; the reader can still edit it.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const input of document.querySelectorAll("input[data-timezone]")) {
    if (zone && (!input.value || input.value === "UTC")) input.value = zone;
  }
});
