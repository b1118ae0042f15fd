// Gallery behaviour, from the app's static/ directory: refuse files over the
// deploy's upload limit before sending them (the server enforces it too).
document.querySelectorAll("form.upload").forEach((form) => {
  const limit = Number(form.dataset.maxBytes || 0);
  form.addEventListener("submit", (event) => {
    for (const input of form.querySelectorAll("input[type=file]")) {
      for (const file of input.files) {
        if (limit && file.size > limit) {
          event.preventDefault();
          alert(`${file.name} is larger than the upload limit.`);
          return;
        }
      }
    }
  });
});
