// The language switcher submits as soon as a language is chosen (a static file: the Content-Security-Policy runs
// no inline handler).
document.addEventListener("change", function (event) {
  if (event.target.id === "language-select") {
    event.target.form.submit();
  }
});
