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
 *   - Searchable lists: <fieldset data-pick> (long checkbox lists) gets a filter box and
 *     removable chips for what is ticked.
 *   - Unsaved choices: a form with data-unsaved-warning asks before the page is left
 *     while it holds changes not saved (the values questionnaire's steps).
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

  // Long vocabularies on the profile editor: <fieldset data-pick> holds a scrolling list
  // of real checkboxes (what the form submits). Here it gains a filter box that hides the
  // options that do not match, and the chosen ones as chips, each a button that unticks
  // its box. Without this script the list works as it is.
  function fold(text) {
    var plain = String(text).toLowerCase();
    return plain.normalize ? plain.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : plain;
  }

  function pickOptions(pick) {
    var rows = [];
    var boxes = pick.querySelectorAll(".pick-list input[type=checkbox]");
    for (var i = 0; i < boxes.length; i += 1) {
      var label = boxes[i].closest("label");
      rows.push({
        box: boxes[i],
        row: label ? label.parentNode : boxes[i],
        text: label ? label.textContent.trim() : boxes[i].value
      });
    }
    return rows;
  }

  function renderChips(pick) {
    var chosen = pick.querySelector("[data-pick-chosen]");
    if (!chosen) {
      return;
    }
    var nodes = [];
    pickOptions(pick).forEach(function (option) {
      if (!option.box.checked) {
        return;
      }
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.setAttribute("data-pick-remove", option.box.id);
      var text = document.createElement("span");
      text.textContent = option.text;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "Remove ";
      var cross = document.createElement("span");
      cross.setAttribute("aria-hidden", "true");
      cross.className = "chip-remove";
      cross.textContent = "×";
      chip.appendChild(hidden);
      chip.appendChild(text);
      chip.appendChild(cross);
      nodes.push(chip);
    });
    if (!nodes.length) {
      var none = document.createElement("span");
      none.className = "muted";
      none.textContent = chosen.getAttribute("data-none-text") || "None chosen yet.";
      nodes.push(none);
    }
    chosen.replaceChildren.apply(chosen, nodes);
  }

  function filterPick(pick, query) {
    var wanted = fold(query.trim());
    var shown = 0;
    pickOptions(pick).forEach(function (option) {
      var match = !wanted || fold(option.text).indexOf(wanted) !== -1;
      option.row.hidden = !match;
      shown += match ? 1 : 0;
    });
    var none = pick.querySelector("[data-pick-none]");
    if (none) {
      none.hidden = shown > 0;
    }
  }

  function enhancePicks(root) {
    var picks = root.querySelectorAll("[data-pick]");
    for (var i = 0; i < picks.length; i += 1) {
      var pick = picks[i];
      if (pick.hasAttribute("data-pick-ready")) {
        continue;
      }
      pick.setAttribute("data-pick-ready", "");
      var search = pick.querySelector("[data-pick-search]");
      if (search) {
        search.hidden = false;
      }
      renderChips(pick);
    }
  }

  function onPickInput(event) {
    var target = event.target;
    if (!target || !target.closest) {
      return;
    }
    var pick = target.closest("[data-pick]");
    if (!pick) {
      return;
    }
    if (target.matches("[data-pick-search] input")) {
      filterPick(pick, target.value);
    } else if (target.type === "checkbox") {
      renderChips(pick);
    }
  }

  function onPickKeydown(event) {
    // Enter in a filter box would submit the whole profile form: keep it in the list.
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-pick-search] input")) {
      event.preventDefault();
    }
  }

  function onPickRemove(event) {
    var chip = event.target.closest ? event.target.closest("[data-pick-remove]") : null;
    if (!chip) {
      return;
    }
    var pick = chip.closest("[data-pick]");
    var box = document.getElementById(chip.getAttribute("data-pick-remove"));
    if (!box || !pick) {
      return;
    }
    box.checked = false;
    renderChips(pick);
    // The chip is gone: keep focus in the group, on the next chip or the filter box.
    var next = pick.querySelector("[data-pick-remove]") || pick.querySelector("[data-pick-search] input");
    if (next) {
      next.focus();
    }
  }

  // A link to a <details> (the profile editor's list of sections) opens it too.
  function onOpenDetailsLink(event) {
    var link = event.target.closest ? event.target.closest("a[data-open-details]") : null;
    if (!link) {
      return;
    }
    var target = document.getElementById((link.getAttribute("href") || "").slice(1));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
    }
  }

  // A form marked data-unsaved-warning="<question>" (a step of the values questionnaire,
  // saved only when its button is pressed) asks before the page is left with choices
  // made and not saved. Submitting the form itself never asks.
  var unsavedForm = null;

  function onFormEdited(event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute && form.hasAttribute("data-unsaved-warning")) {
      unsavedForm = form;
    }
  }

  function onFormSubmitted(event) {
    if (event.target === unsavedForm) {
      unsavedForm = null;
    }
  }

  function onBeforeUnload(event) {
    if (!unsavedForm) {
      return undefined;
    }
    var question = unsavedForm.getAttribute("data-unsaved-warning");
    event.preventDefault();
    event.returnValue = question;
    return question;
  }

  function init() {
    openFilterPanels();
    document.addEventListener("change", onFormEdited);
    document.addEventListener("submit", onFormSubmitted, true);
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onOpenDetailsLink);
    enhancePicks(document);
    document.addEventListener("input", onPickInput);
    document.addEventListener("change", onPickInput);
    document.addEventListener("keydown", onPickKeydown);
    document.addEventListener("click", onPickRemove);
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
