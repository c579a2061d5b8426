/* Undersigned embed: replaces each <script src=".../embed.js" data-campaign="…"> with the
   campaign's signing form in an iframe, and sizes every Undersigned iframe on the page to its
   content. No dependencies; messages are believed only from the form's own origin and frame. */
(function () {
  "use strict";
  var CODE = /^[a-z0-9-]{1,64}$/;
  var frames = (window.__undersigned = window.__undersigned || { frames: [], listening: false }).frames;

  function track(frame) {
    var entry;
    try {
      entry = { frame: frame, origin: new URL(frame.src, location.href).origin, heard: false };
    } catch (e) { return; /* an iframe without a usable src */ }
    frames.push(entry);
    // A form the service refused to show here (this site is not among the campaign's allowed
    // origins) loads as the browser's own error page and never speaks: say why, in the page.
    frame.addEventListener("load", function () {
      setTimeout(function () {
        if (entry.heard || frame.hasAttribute("data-undersigned-refused")) return;
        frame.setAttribute("data-undersigned-refused", "");
        var note = document.createElement("p");
        note.setAttribute("data-undersigned-notice", "");
        note.setAttribute("role", "status");
        note.style.cssText = "max-width:40rem;border-left:6px solid #d4351c;padding:.5rem 1rem;font:inherit";
        note.textContent = "The signing form cannot be shown on this site yet: the campaign's organiser " +
          "must add " + location.origin + " to the sites allowed to show it.";
        frame.style.display = "none";
        frame.parentNode.insertBefore(note, frame.nextSibling);
      }, 3000);
    });
  }

  var scripts = document.querySelectorAll("script[data-campaign]");
  for (var i = 0; i < scripts.length; i++) {
    var script = scripts[i];
    if (script.hasAttribute("data-undersigned-done") || !/\/embed\.js(\?|$)/.test(script.src)) continue;
    script.setAttribute("data-undersigned-done", "");
    var campaign = script.getAttribute("data-campaign") || "";
    if (!CODE.test(campaign)) continue;
    var origin = new URL(script.src, location.href).origin;
    var src = origin + "/embed/" + campaign;
    var query = [];
    var source = script.getAttribute("data-source");
    if (source && CODE.test(source)) query.push("source=" + source);
    // A partner whose site has colours of its own shows the form in the service's plain style.
    if (script.getAttribute("data-style") === "plain") query.push("style=plain");
    if (query.length) src += "?" + query.join("&");
    var frame = document.createElement("iframe");
    frame.src = src;
    // The snippet names the campaign; the form itself says so again once it loads.
    frame.title = script.getAttribute("data-title") || "Sign this campaign";
    frame.setAttribute("data-undersigned", "");
    frame.setAttribute("loading", "lazy");
    frame.style.cssText = "display:block;width:100%;max-width:40rem;min-height:480px;border:0";
    script.parentNode.insertBefore(frame, script.nextSibling);
  }

  // Frames written by the script above, by the WordPress plugin or by hand.
  var all = document.querySelectorAll("iframe[data-undersigned]");
  for (var j = 0; j < all.length; j++) {
    if (all[j].hasAttribute("data-undersigned-tracked")) continue;
    all[j].setAttribute("data-undersigned-tracked", "");
    track(all[j]);
  }

  if (window.__undersigned.listening) return;
  window.__undersigned.listening = true;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "undersigned:height" || typeof data.height !== "number") return;
    for (var k = 0; k < frames.length; k++) {
      var f = frames[k];
      if (event.source === f.frame.contentWindow && event.origin === f.origin) {
        f.heard = true;
        if (typeof data.title === "string" && data.title) f.frame.title = data.title.slice(0, 200);
        var height = Math.min(Math.max(Math.ceil(data.height), 100), 5000);
        f.frame.style.minHeight = "0";
        f.frame.style.height = height + "px";
      }
    }
  });
})();
