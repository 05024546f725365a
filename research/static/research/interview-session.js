// Autosave of interview notes: each note form posts its text a moment after typing stops
// (and when the field loses focus). Without JavaScript the "Save note" buttons do the same.
(function () {
  "use strict";
  var DELAY = 1500;
  function autosave(form) {
    var field = form.querySelector("textarea");
    var status = form.querySelector(".saved");
    var timer = null;
    var last = field.value;
    function save() {
      timer = null;
      if (field.value === last) return;
      var sent = field.value;
      status.textContent = form.dataset.saving || "…";
      fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "innsikt-autosave" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          last = sent;
          status.textContent = form.dataset.saved + " " + data.saved;
        })
        .catch(function () {
          status.textContent = form.dataset.failed;
        });
    }
    field.addEventListener("input", function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(save, DELAY);
    });
    field.addEventListener("blur", save);
  }
  document.querySelectorAll("form[data-autosave]").forEach(autosave);
})();
