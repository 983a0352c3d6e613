// 購買履歴 form (H2): choosing a product fills in its code, name, category and unit price at once
// (from PurchaseAdmin.product_fill_view), and 金額 follows 数量 × 単価 while typing until the user
// types an amount of their own (clearing it gives the computed amount back).
(function () {
  "use strict";

  function init() {
    const product = document.getElementById("id_product");
    const quantity = document.getElementById("id_quantity");
    const unitPrice = document.getElementById("id_unit_price");
    const amount = document.getElementById("id_amount");

    function computed() {
      if (!quantity || !unitPrice) return null;
      const q = Number(String(quantity.value).replace(/,/g, ""));
      const p = Number(String(unitPrice.value).replace(/,/g, ""));
      if (quantity.value === "" || unitPrice.value === "" || !Number.isFinite(q) || !Number.isFinite(p)) return null;
      return String(Math.round(q * p));
    }

    // An amount that differs from quantity × unit price when the page opens was typed by someone.
    let typed = Boolean(amount && amount.value !== "" && amount.value !== computed());

    function follow() {
      if (!amount || typed) return;
      const value = computed();
      amount.value = value === null ? "" : value;
    }

    if (amount) {
      amount.addEventListener("input", function () {
        typed = amount.value.trim() !== "";
        if (!typed) follow();
      });
    }
    for (const input of [quantity, unitPrice]) {
      if (input) input.addEventListener("input", follow);
    }

    function fill() {
      const url = product && product.dataset.productFillUrl;
      if (!url || !product.value) return;
      fetch(url.replace(/\/0\/$/, "/" + encodeURIComponent(product.value) + "/"), {
        credentials: "same-origin", headers: { "Accept": "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (values) {
          if (!values) return;
          for (const [name, value] of Object.entries(values)) {
            const input = document.getElementById("id_" + name);
            if (!input) continue;
            // a field the office made a pulldown (項目名設定) takes the value only if it is one of its choices
            if (input.tagName === "SELECT" && !Array.from(input.options).some((o) => o.value === value)) continue;
            input.value = value;
            input.dispatchEvent(new Event("input", { bubbles: true }));
          }
          follow();
        });
    }

    if (product) {
      // The product is an autocomplete (select2), which announces a choice through jQuery.
      if (window.django && window.django.jQuery) window.django.jQuery(product).on("change", fill);
      else product.addEventListener("change", fill);
    }
    follow();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
