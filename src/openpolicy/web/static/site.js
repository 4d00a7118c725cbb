// Progressive enhancement only: every page works without this file.
// Filter forms submit themselves when a select or checkbox changes (the URL stays shareable).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (!field || !field.form || !field.form.classList.contains("filters")) return;
  if (field.tagName === "SELECT" || field.type === "checkbox") field.form.requestSubmit();
});
