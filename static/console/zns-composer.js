// The send-ZNS composer: a live character count beside each template parameter ("12 / 30") and the preview of
// the message filled in as the person types. A static file: the Content-Security-Policy runs no inline script.
(function () {
  "use strict";

  function update(input) {
    var name = input.dataset.param;
    var limit = parseInt(input.dataset.limit, 10);
    var length = Array.from(input.value).length;
    var counter = document.querySelector('[data-count-for="' + input.id + '"]');
    if (counter) {
      counter.textContent = limit ? length + " / " + limit : String(length);
      counter.classList.toggle("over", Boolean(limit) && length > limit);
    }
    var cell = document.querySelector('[data-preview-for="' + name + '"]');
    if (cell) {
      var value = input.value.trim();
      cell.textContent = value || cell.dataset.placeholder;
      cell.classList.toggle("empty", !value);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-param]").forEach(update);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-param]")) update(event.target);
  });
})();
