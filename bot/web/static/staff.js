// The staff page: search as you type, four languages side by side, copy buttons.
(function () {
  "use strict";
  var configElement = document.getElementById("staff-config");
  if (!configElement) return;
  var config = JSON.parse(configElement.textContent);
  var t = config.strings;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // "Still correct" (search results and the stale report) and writing verifications into the files:
  // JSON POSTs from this page only, with the session cookie.
  function post(path) {
    return fetch(path + "?lang=" + encodeURIComponent(config.lang), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: "{}",
    }).then(function (response) {
      if (response.status === 401) { window.location = "/login"; return null; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.verify") : null;
    if (!button) return;
    var holder = button.parentNode;
    var status = holder.querySelector(".verify-status");
    var shown = holder.querySelector(".verified");
    button.disabled = true;
    post("/api/facts/" + encodeURIComponent(button.getAttribute("data-fact-id")) + "/verified")
      .then(function (result) {
        if (!result) return;
        if (result.ok) {
          if (shown) shown.textContent = result.data.verified.text;
          if (status) status.textContent = result.data.message;
        } else {
          if (status) status.textContent = result.data.error || t.verify_failed;
          button.disabled = false;
        }
      })
      .catch(function () { if (status) status.textContent = t.verify_failed; button.disabled = false; });
  });

  var writeButton = document.getElementById("write-verified");
  if (writeButton) {
    writeButton.addEventListener("click", function () {
      var status = document.getElementById("write-status");
      writeButton.disabled = true;
      post("/api/verifications/write").then(function (result) {
        if (!result) return;
        status.textContent = result.ok ? result.data.message : (result.data.error || t.verify_failed);
        if (!result.ok) writeButton.disabled = false;
      }).catch(function () { status.textContent = t.verify_failed; writeButton.disabled = false; });
    });
  }

  var form = document.getElementById("search");
  var results = document.getElementById("results");
  if (!form || !results) return;

  function copy(text, button) {
    function done() {
      var label = button.textContent;
      button.textContent = t.copied;
      setTimeout(function () { button.textContent = label; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  }

  function fallback(text) {
    var area = el("textarea", { "aria-hidden": "true", "class": "offscreen" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selectable */ }
    area.remove();
  }

  function render(data) {
    results.innerHTML = "";
    if (!data.results.length) {
      results.appendChild(el("li", { "class": "empty" }, t.no_results));
      return;
    }
    data.results.forEach(function (fact) {
      var item = el("li", { "class": "fact" + (fact.current ? "" : " replaced"), "data-fact-id": fact.id });
      var head = el("p", { "class": "meta" });
      head.appendChild(el("code", {}, fact.id));
      head.appendChild(document.createTextNode(" · " + fact.topic + " · " + fact.region + (fact.province ? " (" + fact.province + ")" : "") + " · " + fact.as_of_text));
      item.appendChild(head);
      if (!fact.current) item.appendChild(el("p", { "class": "warning" }, t.replaced.replace("{id}", fact.superseded_by)));
      var grid = el("div", { "class": "texts" });
      Object.keys(fact.texts).forEach(function (code) {
        var box = el("div", { "class": "text", lang: code });
        box.appendChild(el("h3", {}, config.languages[code]));
        var body = el("p", {}, fact.texts[code]);
        box.appendChild(body);
        var button = el("button", { type: "button", "class": "copy", "aria-label": t.copy + ": " + config.languages[code] }, t.copy);
        button.addEventListener("click", function () { copy(fact.texts[code] + " (" + fact.as_of_by_language[code] + ")", button); });
        box.appendChild(button);
        grid.appendChild(box);
      });
      item.appendChild(grid);
      var source = el("p", { "class": "source" }, t.source + ": " + fact.source);
      if (fact.source_url) {
        source.appendChild(document.createTextNode(" "));
        var href = /^https?:\/\//.test(fact.source_url) ? fact.source_url : "https://" + fact.source_url;
        source.appendChild(el("a", { href: href, rel: "noopener noreferrer" }, fact.source_url));
      }
      item.appendChild(source);
      var verification = el("p", { "class": "verification" });
      verification.appendChild(el("span", { "class": "verified" }, fact.verified.text));
      if (fact.current) {
        verification.appendChild(document.createTextNode(" "));
        verification.appendChild(el("button", {
          type: "button", "class": "verify", "data-fact-id": fact.id, title: t.still_correct_hint,
        }, t.still_correct));
        verification.appendChild(document.createTextNode(" "));
        verification.appendChild(el("span", { "class": "verify-status", role: "status" }));
      }
      item.appendChild(verification);
      results.appendChild(item);
    });
  }

  var pending = null;
  function run() {
    var params = new URLSearchParams({
      q: form.q.value, topic: form.topic.value, region: form.region.value,
      history: form.history.checked ? "1" : "0", lang: config.lang,
    });
    if (pending) pending.abort();
    pending = new AbortController();
    fetch("/api/search?" + params.toString(), { credentials: "same-origin", signal: pending.signal })
      .then(function (response) {
        if (response.status === 401) { window.location = "/login"; return null; }
        return response.json();
      })
      .then(function (data) { if (data) { results.setAttribute("data-took-ms", data.took_ms); render(data); } })
      .catch(function () { /* a newer search replaced this one */ });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  var timer = null;
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 250); });
  run();
})();
