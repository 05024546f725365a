// Job progress without reloading: each running job's status ([data-job-status]) is read
// from its JSON address every moment and shown in place (the region is aria-live="polite").
// When a job is finished the page is loaded again, with its download. Without JavaScript the
// page refreshes itself (a <meta http-equiv="refresh"> inside <noscript>) and offers a link.
(function () {
  "use strict";
  var INTERVAL = 1500;
  function follow(box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".job-progress__text");
    var waiting = box.querySelector(".job-waiting");
    function poll() {
      fetch(box.dataset.jobStatus, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (job) {
          if (!job.running) {
            window.location.reload();
            return;
          }
          if (bar) {
            bar.value = job.percent;
            bar.textContent = job.percent + "\u00a0%";
          }
          if (text && text.textContent !== job.text) text.textContent = job.text;
          if (waiting && waiting.textContent !== job.waiting) waiting.textContent = job.waiting;
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function () {
          window.setTimeout(poll, INTERVAL * 4);
        });
    }
    window.setTimeout(poll, INTERVAL);
  }
  var boxes = document.querySelectorAll("[data-job-status]");
  for (var i = 0; i < boxes.length; i++) follow(boxes[i]);
  var links = document.querySelectorAll(".job-refresh");
  for (var j = 0; j < links.length; j++) links[j].hidden = true;
})();
