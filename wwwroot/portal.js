// Small helpers the Blazor components call through JS interop.
window.portal = {
  // Remember the theme for a year; the server reads it to render every page, static or interactive.
  setTheme: function (dark) {
    document.cookie = "portal-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
  }
};

// Static pages (no circuit) have a plain theme button: one listener here, as the Content-Security-Policy refuses inline onclick.
document.addEventListener("click", function (event) {
  var button = event.target instanceof Element ? event.target.closest("[data-theme-dark]") : null;
  if (!button) return;
  window.portal.setTheme(button.getAttribute("data-theme-dark") === "true");
  location.reload();
});

// Escape closes an open menu (the bell, the account menu, the organisation switcher), wherever the focus is: MudBlazor 9
// leaves a menu whose activator is custom content open. The element marked data-menu-toggle inside it toggles it.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll('.mud-menu-activator[aria-expanded="true"]').forEach(function (activator) {
    var toggle = activator.querySelector("[data-menu-toggle]");
    if (toggle instanceof HTMLElement) toggle.click();
  });
});
