// Live password strength hint for new-password fields (input[data-strength-meter]). A hint only: the
// server's policy (length, common passwords, email inside) decides. Progressive enhancement: without
// JavaScript the hint stays hidden and the form works the same. Messages come translated in data-* attributes.
(function () {
  'use strict';

  function classes(password) {
    var n = 0;
    if (/[a-z]/.test(password)) n++;
    if (/[A-Z]/.test(password)) n++;
    if (/[0-9]/.test(password)) n++;
    if (/[^A-Za-z0-9]/.test(password)) n++;
    return n;
  }

  function uniqueCount(password) {
    var seen = {};
    var count = 0;
    for (var i = 0; i < password.length; i++) {
      if (!seen[password[i]]) {
        seen[password[i]] = true;
        count++;
      }
    }
    return count;
  }

  function emailPieces(email) {
    email = (email || '').trim().toLowerCase();
    if (!email) return [];
    var pieces = [email];
    var at = email.lastIndexOf('@');
    if (at > 0) {
      var local = email.slice(0, at);
      if (local.length >= 3) pieces.push(local);
      var untagged = local.split('+')[0];
      if (untagged.length >= 3) pieces.push(untagged);
    }
    return pieces;
  }

  /** 'too_short' | 'contains_email' | 'weak' | 'fair' | 'strong', or '' for an empty field. */
  function assess(password, minLength, email) {
    if (!password) return '';
    var length = Array.from(password).length;
    if (length < minLength) return 'too_short';
    var lowered = password.toLowerCase();
    var pieces = emailPieces(email);
    for (var i = 0; i < pieces.length; i++) if (lowered.indexOf(pieces[i]) !== -1) return 'contains_email';
    var unique = uniqueCount(password);
    var kinds = classes(password);
    if (unique < 5 || (length < 12 && kinds < 2)) return 'weak';
    if (length >= 16 || (length >= 12 && kinds >= 3)) return 'strong';
    return 'fair';
  }

  var LEVELS = { too_short: 1, contains_email: 1, weak: 1, fair: 2, strong: 3 };
  var ATTRIBUTES = { too_short: 'tooShort', contains_email: 'containsEmail', weak: 'weak', fair: 'fair', strong: 'strong' };

  function attach(input) {
    var output = document.getElementById('password-strength');
    if (!output) return;
    var text = output.querySelector('.strength-text');
    var minLength = Number(input.getAttribute('data-min-length')) || 8;
    var emailFieldId = input.getAttribute('data-email-field');
    var emailField = emailFieldId ? document.getElementById(emailFieldId) : null;
    var last = null;

    function update() {
      var email = emailField ? emailField.value : input.getAttribute('data-email') || '';
      var verdict = assess(input.value, minLength, email);
      if (verdict === last) return;
      last = verdict;
      output.hidden = verdict === '';
      output.setAttribute('data-level', verdict ? String(LEVELS[verdict]) : '0');
      output.setAttribute('data-verdict', verdict);
      text.textContent = verdict ? output.dataset[ATTRIBUTES[verdict]] || '' : '';
    }

    input.addEventListener('input', update);
    if (emailField) emailField.addEventListener('input', update);
    update();
  }

  function start() {
    var inputs = document.querySelectorAll('input[data-strength-meter]');
    for (var i = 0; i < inputs.length; i++) attach(inputs[i]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
