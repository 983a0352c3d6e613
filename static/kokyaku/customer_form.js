// Customer form (C7, C5).
// 〒 → 住所: each postal-code input (data-postal-code-url, set by CustomerAdmin) gets a 住所検索
// button; a complete 7-digit code (full or half width, with or without hyphen or 〒) fills the
// address field of its block at once only when that field is empty or still holds, untouched, the
// town this lookup put there. An address typed by hand (or added to) is never overwritten: the
// postal code's town is offered under the code with 「住所に入れる」 (issue 22, point 18).
// 住所 → 〒: typing in that address field fills the code when one fits the town (and no code
// was typed by hand), else offers the codes the address begins with, most specific first, and
// says when several fit. 同姓同名チェック lists likely duplicates.
(function () {
  "use strict";

  function clean(code) {
    const half = String(code || "").replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
    const digits = half.replace(/[\s〒\-‐‑‒–—―−ー－]/g, "");
    return /^\d{7}$/.test(digits) ? digits : "";
  }

  function getJSON(url, params) {
    const query = new URLSearchParams(params).toString();
    return fetch(url + "?" + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then((response) => (response.ok ? response.json() : null));
  }

  // 会社情報の一括変更: a field filled here is one to change (its 「変更する」 box)
  function markChanged(input) {
    const box = input && input.name ? document.querySelector('input[type=checkbox][name="change_' + input.name + '"]') : null;
    if (box) box.checked = true;
  }

  function choiceButton(text, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "kokyaku-postal-choice block text-left text-primary-600 underline text-sm";
    button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  }

  function setupPostal(codeInput) {
    const address = document.getElementById(codeInput.dataset.postalAddressField);
    const box = document.createElement("div");
    box.className = "kokyaku-postal";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "kokyaku-postal-button border border-base-200 rounded-default px-2 py-1 text-sm font-semibold dark:border-base-700";
    button.textContent = codeInput.dataset.postalButton;
    const message = document.createElement("div");
    message.className = "kokyaku-postal-message";
    message.setAttribute("aria-live", "polite");
    box.append(button, message);
    codeInput.insertAdjacentElement("afterend", box);

    let lastFilled = ""; // the town this lookup last put in the address field
    let filledValue = null; // the address field's value right after that, to know it is untouched
    let asked = "";
    let autoCode = ""; // the code last filled from the address

    function show(text, isError) {
      message.replaceChildren();
      if (text) {
        const p = document.createElement("p");
        p.className = isError ? "text-red-600" : "text-base-500";
        p.textContent = text;
        message.append(p);
      }
    }

    function fill(town, force) {
      codeInput.value = town.display_code; // 〒１４０－０００２ → 140-0002, as the field stores it
      markChanged(codeInput);
      if (!address) return;
      const current = address.value.trim();
      const untouched = filledValue !== null && address.value === filledValue;
      let value = null;
      if (current.startsWith(town.address)) value = null; // already there, with what follows
      else if (!current || untouched) value = town.address; // nothing typed by hand
      else if (force) { // 「住所に入れる」: asked for; what was typed after our town stays
        value = lastFilled && current.startsWith(lastFilled) ? town.address + current.slice(lastFilled.length) : town.address;
      }
      if (value !== null) {
        address.value = value;
        markChanged(address);
        address.dataset.postalFilled = "1";
        address.dispatchEvent(new Event("input", { bubbles: true }));
        delete address.dataset.postalFilled;
        lastFilled = town.address;
        filledValue = address.value;
      }
      show("");
      if (value === null && current && !current.startsWith(town.address)) {
        show(town.address);
        message.append(choiceButton(codeInput.dataset.postalUseAddress, () => fill(town, true)));
      }
    }

    function lookUp() {
      const typed = codeInput.value;
      asked = typed;
      getJSON(codeInput.dataset.postalCodeUrl, { code: typed }).then((data) => {
        if (!data || asked !== typed) return;
        if (data.towns.length === 1) {
          fill(data.towns[0], false);
          return;
        }
        show(data.message, data.towns.length === 0);
        for (const town of data.towns) message.append(choiceButton(town.address, () => fill(town, false)));
      });
    }

    button.addEventListener("click", () => lookUp());
    codeInput.addEventListener("input", () => {
      if (clean(codeInput.value)) lookUp();
      else show("");
    });

    if (!address) return;
    // 住所 → 〒
    const offers = document.createElement("div");
    offers.className = "kokyaku-postal-offers mt-1 text-sm";
    offers.setAttribute("aria-live", "polite");
    address.insertAdjacentElement("afterend", offers);
    let timer = null;
    let askedAddress = "";
    address.addEventListener("input", () => {
      if (address.dataset.postalFilled) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const text = address.value.trim();
        const codeWhenAsked = codeInput.value;
        askedAddress = text;
        if (text.length < 3) {
          offers.replaceChildren();
          return;
        }
        getJSON(codeInput.dataset.postalAddressUrl, { address: text }).then((data) => {
          // a late answer never overwrites a 〒 the person has started typing meanwhile
          if (!data || askedAddress !== text || codeInput.value !== codeWhenAsked) return;
          offers.replaceChildren();
          let current = clean(codeInput.value);
          // One code for the town typed, and no code typed by hand: fill it in (the seed's
          // 「住所を入力すると自動的に郵便番号が表示されます」); a code filled this way follows the address.
          const best = data.towns.filter((t) => t.address === (data.towns[0] || {}).address);
          if (best.length === 1 && best[0].town && (!current || current === autoCode)) {
            codeInput.value = best[0].display_code;
            current = autoCode = best[0].code;
            markChanged(codeInput);
            show("");
          }
          if (!data.towns.length || data.towns.some((t) => t.code === current)) return;
          if (data.several) {
            const p = document.createElement("p");
            p.className = "text-base-500";
            p.textContent = data.message;
            offers.append(p);
          }
          for (const town of data.towns.slice(0, 6)) {
            offers.append(choiceButton("〒" + town.display_code + " " + town.address + "（" + codeInput.dataset.postalUseCode + "）", () => {
              codeInput.value = town.display_code;
              markChanged(codeInput);
              offers.replaceChildren();
              show("");
            }));
          }
        });
      }, 300);
    });
  }

  function setupDuplicateCheck() {
    const box = document.getElementById("duplicate-check");
    const button = document.getElementById("duplicate-check-button");
    const result = document.getElementById("duplicate-check-result");
    if (!box || !button || !result) return;
    const names = ["last_name", "first_name", "tel", "mobile", "email", "address", "building", "company_name"];
    button.addEventListener("click", () => {
      const params = { exclude: box.dataset.exclude || "" };
      for (const name of names) {
        const input = document.getElementById("id_" + name);
        if (input) params[name] = input.value;
      }
      getJSON(box.dataset.url, params).then((data) => {
        if (!data) return;
        result.innerHTML = data.html; // rendered by the server (crm/customer/duplicate_rows.html), escaped there
        if (!data.html) {
          const p = document.createElement("p");
          p.className = "text-base-500 text-sm";
          p.textContent = data.message;
          result.append(p);
        }
      });
    });
  }

  function init() {
    for (const input of document.querySelectorAll("input[data-postal-code-url]")) setupPostal(input);
    setupDuplicateCheck();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
