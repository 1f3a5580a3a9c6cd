// The staff page: search as you type, four languages side by side, copy buttons.
(function () {
  "use strict";
  var configElement = document.getElementById("staff-config");
  if (!configElement) return;
  var config = JSON.parse(configElement.textContent);
  var t = config.strings;
  var form = document.getElementById("search");
  var results = document.getElementById("results");
  if (!form || !results) return;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

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
      item.appendChild(el("p", { "class": "source" }, t.source + ": " + fact.source));
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
