// kasane — the one script, served from the binary. Pages work without it; it only adds
// conveniences that need no server round trip.
document.addEventListener('click', function (e) {
  if (e.target.closest('[data-print]')) { window.print(); }
});
