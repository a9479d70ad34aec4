// Loaded right after the theme's htmx: htmx would insert its indicator rules as an inline <style>, which the
// Content-Security-Policy refuses; static/console/theme.css carries them instead.
if (window.htmx) {
  window.htmx.config.includeIndicatorStyles = false;
}
