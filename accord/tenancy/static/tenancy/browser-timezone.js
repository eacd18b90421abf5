// Fills hidden inputs marked data-browser-timezone with this browser's IANA time zone
// (the server falls back to the person's own zone when it stays empty).
document.addEventListener("DOMContentLoaded", function () {
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (!input.value) input.value = zone;
  });
});
