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
