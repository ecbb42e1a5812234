// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Prefill empty timezone fields with the browser's zone; the reader can still edit it.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const input of document.querySelectorAll("input[data-timezone]")) {
    if (zone && (!input.value || input.value === "UTC")) input.value = zone;
    const hint = document.getElementById(`${input.id}-hint`)?.querySelector("[data-local-time]");
    const hourSelect = input.form?.querySelector("[data-send-hour]");
    const update = () => {
      if (!hint) return;
      const hour = hourSelect ? hourSelect.value : input.dataset.hour;
      const name = input.value.trim() || "UTC";
      const city = name.split("/").pop().replace(/_/g, " ");
      hint.textContent = name.includes("/") ? `${hour}:00 in ${city}` : `${hour}:00 ${city}`;
    };
    input.addEventListener("input", update);
    hourSelect?.addEventListener("change", update);
    update();
  }
  // The weekly day only matters when Weekly is chosen.
  for (const field of document.querySelectorAll("[data-weekly-only]")) {
    const form = field.closest("form");
    const sync = () => {
      field.hidden = form.querySelector('input[name="frequency"]:checked')?.value !== "weekly";
    };
    for (const radio of form.querySelectorAll('input[name="frequency"]')) {
      radio.addEventListener("change", sync);
    }
    sync();
  }
  // After a failed post, take the reader to the list of problems.
  document.getElementById("errors")?.focus();
});
