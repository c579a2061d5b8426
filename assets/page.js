// The campaign page's enhancements of its own: a button that copies the page's address, and
// the phone's own share sheet where the browser has one. (The live count and signing in place
// come from the form's script.)
(function () {
  "use strict";
  var share = document.getElementById("share-native");
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({title: share.dataset.title, url: share.dataset.url}).catch(function () {});
    });
  }
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
