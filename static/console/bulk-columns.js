// The bulk ZNS upload shows the columns (and the sample file) of the template chosen in the form.
(function () {
  "use strict";

  function show(select) {
    document.querySelectorAll("[data-columns-for]").forEach(function (box) {
      box.hidden = box.dataset.columnsFor !== select.value;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("#bulk-upload-form select[name=template]");
    if (select) show(select);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#bulk-upload-form select[name=template]")) show(event.target);
  });
})();
