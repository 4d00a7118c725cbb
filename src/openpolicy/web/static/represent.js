// "Use my location" on the Who represents me page: the browser's position is asked for only when the person
// presses the button; it fills the form and submits it. Without JavaScript (or geolocation) the button stays hidden.
(function () {
  var button = document.getElementById("use-location");
  var form = document.getElementById("represent-form");
  if (!button || !form || !("geolocation" in navigator)) return;
  button.hidden = false;
  document.getElementById("location-note").hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        form.requestSubmit();
      },
      function (error) {
        button.disabled = false;
        document.getElementById("location-note").textContent = "Your location is not available: " + error.message;
      },
      { enableHighAccuracy: false, timeout: 10000 }
    );
  });
})();
