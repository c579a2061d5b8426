// The campaign page's one enhancement of its own: a button that copies the page's address.
// (The live count and signing in place come from the form's script.)
(function () {
  "use strict";
  var button = document.getElementById("copy-link");
  var field = document.getElementById("page-link");
  if (!button || !field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Copied";
    }, function () {
      field.select();
      button.textContent = "Press Ctrl+C (or ⌘C) to copy";
    });
    setTimeout(function () { button.textContent = "Copy the link"; }, 3000);
  });
})();
