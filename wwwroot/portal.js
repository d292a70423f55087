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

// Static pages (the catalog, account settings) have no circuit to open and close the drawer: the menu button toggles it
// here. Below 960 px MudBlazor hides a drawer still marked "initial"; above, the layout's class makes room for it.
document.addEventListener("click", function (event) {
  var button = event.target instanceof Element ? event.target.closest("[data-static-drawer-toggle]") : null;
  if (!button) return;
  var drawer = document.querySelector(".mud-drawer");
  var layout = document.querySelector(".mud-layout");
  if (!drawer || !layout) return;
  var open;
  if (window.matchMedia("(min-width: 960px)").matches) {
    open = !layout.classList.contains("mud-drawer-open-responsive-md-left");
    layout.classList.toggle("mud-drawer-open-responsive-md-left", open);
    drawer.classList.remove("mud-drawer--initial");
    drawer.classList.toggle("mud-drawer--open", open);
    drawer.classList.toggle("mud-drawer--closed", !open);
  } else {
    open = drawer.classList.contains("mud-drawer--initial") || !drawer.classList.contains("mud-drawer--open");
    drawer.classList.toggle("mud-drawer--initial", !open);
    drawer.classList.toggle("mud-drawer--open", open);
    drawer.classList.remove("mud-drawer--closed");
  }
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// The static pages' account menu is a <details>: Escape closes it as it closes MudBlazor's menus.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.portal-static-menu[open]").forEach(function (menu) { menu.removeAttribute("open"); });
});
