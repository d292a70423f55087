// Small helpers the Blazor components call through JS interop.
window.portal = {
  // Remember the theme for a year; the server reads it to render every page, static or interactive.
  setTheme: function (dark) {
    document.cookie = "portal-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
  }
};
