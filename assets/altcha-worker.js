/* Solves an ALTCHA proof-of-work challenge off the page's thread: finds the number whose
   SHA-256, appended to the challenge's salt, is the challenge, and answers with it (or with
   null if there is none up to the challenge's maximum). */
self.onmessage = function (event) {
  "use strict";
  var c = event.data;
  var encoder = new TextEncoder();
  var started = Date.now();

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  // A batch of hashes at a time: each digest is asynchronous, and running a few hundred side
  // by side keeps the worker busy instead of waiting on each.
  var BATCH = 256;
  function from(start) {
    if (start > c.maxnumber) { self.postMessage({ number: null }); return; }
    var end = Math.min(start + BATCH - 1, c.maxnumber);
    var tries = [];
    for (var n = start; n <= end; n++) tries.push(crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n)));
    Promise.all(tries).then(function (hashes) {
      for (var i = 0; i < hashes.length; i++) {
        if (hex(hashes[i]) === c.challenge) {
          self.postMessage({ number: start + i, took: Date.now() - started });
          return;
        }
      }
      from(end + 1);
    });
  }
  from(0);
};
