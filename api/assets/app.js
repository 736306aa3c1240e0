// HyperCRM's only script of its own: "/" anywhere but in a field moves to
// the global search, as in most business applications. Everything else
// works without it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  const target = event.target;
  const typing =
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  const search = document.getElementById("global-search");
  if (typing || !search) {
    return;
  }
  event.preventDefault();
  search.focus();
});

// Reminders delivered while a page is open appear in its live region
// (`web/notifications.rs`); the browser reconnects by itself.
const notifications = document.getElementById("notifications");
if (notifications && "EventSource" in window) {
  const source = new EventSource("/notifications/stream");
  source.addEventListener("reminder", (event) => {
    const reminder = JSON.parse(event.data);
    const item = document.createElement("p");
    item.className = "notification";
    const link = document.createElement("a");
    link.href = reminder.href;
    link.textContent = reminder.title;
    item.append(notifications.dataset.label + " ", link);
    notifications.append(item);
  });
  // Closed as the page goes, so a stream never outlives its page: the
  // browser allows six connections to a server, and streams left open
  // by pages navigated away from would hold them until they time out.
  window.addEventListener("pagehide", () => source.close());
}

// A route sheet (and any page with a print button) prints itself.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
