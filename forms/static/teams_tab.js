// The Teams tab's sign-in: ask Teams for a token for Tråd (SSO) and post it to the server.
// Without Teams (or when Teams refuses), the page's sign-in link stays the way in.
(function () {
  "use strict";
  var form = document.getElementById("sso-form");
  var status = document.getElementById("sso-status");
  function failed() {
    if (status) {
      // the words are the page's own (data-failed), in the person's language
      status.textContent = status.getAttribute("data-failed") || status.textContent;
    }
  }
  if (!form || !window.microsoftTeams) {
    failed();
    return;
  }
  window.microsoftTeams.app.initialize().then(function () {
    return window.microsoftTeams.authentication.getAuthToken();
  }).then(function (token) {
    form.elements.sso.value = token;
    form.submit();
  }).catch(failed);
}());
