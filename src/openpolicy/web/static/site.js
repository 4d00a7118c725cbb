// Progressive enhancement only: every page works without this file.
// 1. Filter forms submit themselves when a select or checkbox changes (the URL stays shareable).
// 2. Empty fields are left out of the submitted URL, so shared links stay short.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (!field || !field.form || !field.form.classList.contains("filters")) return;
  if (field.tagName === "SELECT" || field.type === "checkbox") field.form.requestSubmit();
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form || !form.classList || !form.classList.contains("filters")) return;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && (field.value === "" || field.value === undefined) && field.type !== "checkbox") {
      field.disabled = true;
    }
  });
});
// Re-enable fields when the page comes back from the back/forward cache.
window.addEventListener("pageshow", function () {
  Array.prototype.forEach.call(document.querySelectorAll("form.filters [disabled]"), function (field) {
    field.disabled = false;
  });
});
