/* Hive — small progressive enhancements. Every page works without this file.
 *
 * Loaded with `defer` from static/ (our Content Security Policy forbids inline script).
 *
 * Behaviours
 *   - Dismissible messages: a message banner may contain
 *       <button type="button" class="message-dismiss" data-dismiss hidden>…</button>
 *     The button ships `hidden`, so nobody without JavaScript sees a control that does
 *     nothing. Here we reveal it, and a click hides its `.message` with the
 *     `is-dismissed` class, then moves focus somewhere sensible.
 *   - Browser time zone: empty <input data-browser-timezone> fields get the browser's
 *     IANA time zone name (used at sign-up); a <select data-browser-timezone> (a picker
 *     whose zone was never chosen) selects it.
 *   - Directory filters: <details data-filter-panel> opens on a wide screen; its
 *     [data-show-results] button folds it on a phone and focuses the new results.
 *   - Autosave failures: a form with data-autosave-status="<id>" (the application)
 *     saves itself with htmx. If a save cannot reach the server or gets an error page,
 *     htmx swaps nothing; we put the region's data-error-text in the live region
 *     instead, so nobody believes an unsaved answer was saved.
 */
(function () {
  "use strict";

  var DISMISSED = "is-dismissed";

  function revealDismissButtons(root) {
    if (!root || typeof root.querySelectorAll !== "function") {
      return;
    }
    var buttons = root.querySelectorAll("[data-dismiss]");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].hidden = false;
    }
  }

  function visibleMessages(container) {
    var all = container ? container.querySelectorAll(".message") : [];
    var visible = [];
    for (var i = 0; i < all.length; i += 1) {
      if (!all[i].classList.contains(DISMISSED)) {
        visible.push(all[i]);
      }
    }
    return visible;
  }

  function dismiss(button) {
    var message = button.closest(".message");
    if (!message) {
      return;
    }
    var container = message.closest(".messages");
    message.classList.add(DISMISSED);
    message.setAttribute("aria-hidden", "true");

    // Keep keyboard users oriented: focus the next message's close button, or the
    // main content once the last message is gone.
    var remaining = visibleMessages(container);
    if (remaining.length) {
      var next = remaining[0].querySelector("[data-dismiss]");
      if (next) {
        next.focus();
        return;
      }
    }
    if (container && !remaining.length) {
      container.hidden = true;
    }
    var main = document.getElementById("main");
    if (main && typeof main.focus === "function") {
      main.focus({ preventScroll: true });
    }
  }

  function onClick(event) {
    var target = event.target;
    if (!target || typeof target.closest !== "function") {
      return;
    }
    var button = target.closest("[data-dismiss]");
    if (button) {
      event.preventDefault();
      dismiss(button);
    }
  }

  function onKeydown(event) {
    // Escape closes the message whose close button has focus.
    if (event.key !== "Escape") {
      return;
    }
    var active = document.activeElement;
    if (active && active.hasAttribute && active.hasAttribute("data-dismiss")) {
      dismiss(active);
    }
  }

  // Sign-up forms carry <input data-browser-timezone>; left empty, it gets the browser's
  // IANA zone so times are shown in the member's own zone. A time-zone picker whose zone
  // was never chosen carries <select data-browser-timezone data-zone-aliases="{…}">: it
  // selects the browser's zone (mapped from an old spelling such as "Asia/Calcutta"
  // through the aliases), when the picker lists it.
  function fillBrowserTimezone(root) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    if (!zone) {
      return;
    }
    var inputs = root.querySelectorAll("input[data-browser-timezone]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (!inputs[i].value) {
        inputs[i].value = zone;
      }
    }
    var selects = root.querySelectorAll("select[data-browser-timezone]");
    for (var j = 0; j < selects.length; j += 1) {
      selectZone(selects[j], zone);
    }
  }

  function selectZone(select, zone) {
    var aliases = {};
    try {
      aliases = JSON.parse(select.getAttribute("data-zone-aliases") || "{}");
    } catch (error) {
      aliases = {};
    }
    var wanted = Object.prototype.hasOwnProperty.call(aliases, zone) ? aliases[zone] : zone;
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === wanted) {
        select.value = wanted;
        return;
      }
    }
  }

  function onAutosaveFailed(event) {
    var form = event.detail && event.detail.elt;
    if (!form || typeof form.getAttribute !== "function") {
      return;
    }
    var regionId = form.getAttribute("data-autosave-status");
    var region = regionId ? document.getElementById(regionId) : null;
    if (!region) {
      return;
    }
    var note = document.createElement("p");
    note.textContent = region.getAttribute("data-error-text") || "Not saved.";
    region.replaceChildren(note);
  }

  // The "Me" menu is a <details>: it opens and closes without us. Close it on Escape
  // (focus back on its toggle) and when a click lands outside it.
  function closeMenus(except) {
    var menus = document.querySelectorAll("details[data-menu][open]");
    for (var i = 0; i < menus.length; i += 1) {
      if (menus[i] !== except) {
        menus[i].removeAttribute("open");
      }
    }
  }

  function onMenuClick(event) {
    var inside = event.target.closest ? event.target.closest("details[data-menu]") : null;
    closeMenus(inside);
  }

  function onMenuKeydown(event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      var toggle = open.querySelector("summary");
      if (toggle) {
        toggle.focus();
      }
    }
  }

  // The directory's filters fold into <details data-filter-panel> ("Filters (n)"): closed
  // in the HTML, so a phone shows results first; a wide screen has room beside the
  // results, so it opens there. On a narrow screen, "Show results" folds the filters
  // away again and takes focus to the results heading once they arrive.
  var WIDE = "(min-width: 60em)";

  function openFilterPanels() {
    if (!window.matchMedia || !window.matchMedia(WIDE).matches) {
      return;
    }
    var panels = document.querySelectorAll("details[data-filter-panel]");
    for (var i = 0; i < panels.length; i += 1) {
      panels[i].open = true;
    }
  }

  var focusResultsAfterSwap = false;

  function onShowResults(event) {
    var button = event.target.closest ? event.target.closest("[data-show-results]") : null;
    if (!button || (window.matchMedia && window.matchMedia(WIDE).matches)) {
      return;
    }
    var panel = button.closest("details[data-filter-panel]");
    if (panel) {
      panel.open = false;
    }
    focusResultsAfterSwap = true;
  }

  function onResultsSwapped(event) {
    if (!focusResultsAfterSwap || !event.target || event.target.id !== "directory-results") {
      return;
    }
    focusResultsAfterSwap = false;
    var heading = document.getElementById("results-heading");
    if (heading) {
      heading.focus();
    }
  }

  function init() {
    openFilterPanels();
    document.addEventListener("click", onShowResults);
    document.addEventListener("htmx:afterSettle", onResultsSwapped);
    document.addEventListener("click", onMenuClick);
    document.addEventListener("keydown", onMenuKeydown);
    revealDismissButtons(document);
    fillBrowserTimezone(document);
    document.addEventListener("click", onClick);
    document.addEventListener("keydown", onKeydown);
    // Content swapped in by htmx gets the same treatment.
    document.addEventListener("htmx:load", function (event) {
      revealDismissButtons(event.target);
    });
    document.addEventListener("htmx:responseError", onAutosaveFailed);
    document.addEventListener("htmx:sendError", onAutosaveFailed);
  }

  try {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", init);
    } else {
      init();
    }
  } catch (error) {
    // An enhancement must never break the page.
    if (window.console && typeof window.console.warn === "function") {
      window.console.warn("hive.js: enhancement skipped", error);
    }
  }
})();
