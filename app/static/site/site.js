// Site-wide behaviour, from STATICFILES_DIRS: mark the current nav link.
document.querySelectorAll(".masthead nav a").forEach((link) => {
  if (link.pathname === window.location.pathname) {
    link.setAttribute("aria-current", "page");
  }
});
