// The staff inbox: waiting conversations, take, read, reply, insert a fact, hand back, close.
// Changes arrive as server-sent events (no polling): on each, the lists and the open conversation
// are fetched again.
(function () {
  "use strict";
  var configElement = document.getElementById("staff-config");
  if (!configElement || !document.getElementById("waiting")) return;
  var config = JSON.parse(configElement.textContent);
  var t = config.strings;
  var me = config.operator;
  var waitingList = document.getElementById("waiting");
  var activeList = document.getElementById("active");
  var liveStatus = document.getElementById("live-status");
  var empty = document.getElementById("conversation-empty");
  var body = document.getElementById("conversation-body");
  var meta = document.getElementById("conversation-meta");
  var transcriptList = document.getElementById("transcript");
  var takeButton = document.getElementById("take");
  var handbackButton = document.getElementById("handback");
  var closeButton = document.getElementById("close");
  var actionStatus = document.getElementById("action-status");
  var replyForm = document.getElementById("reply-form");
  var replyBox = document.getElementById("reply");
  var factForm = document.getElementById("fact-search");
  var factResults = document.getElementById("fact-results");
  var current = null; // the open conversation's state
  var selected = Number((location.hash.match(/c=(\d+)/) || [])[1]) || null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function api(path, options) {
    options = options || {};
    options.credentials = "same-origin";
    if (options.body) options.headers = { "Content-Type": "application/json" };
    var separator = path.indexOf("?") < 0 ? "?" : "&";
    return fetch(path + separator + "lang=" + config.lang, options).then(function (response) {
      if (response.status === 401) { window.location = "/login"; throw new Error("signed out"); }
      return response.json().then(function (data) { data._status = response.status; return data; });
    });
  }

  function channelName(code) { return t["channel_" + code] || code; }

  function describe(item) {
    var parts = ["#" + item.id, item.language_name, item.region_name || t.unknown, channelName(item.channel)];
    if (item.status === "waiting") parts.push(t.waiting_for.replace("{minutes}", Math.floor(item.waited_seconds / 60)));
    else if (item.operator) parts.push(t.taken_by.replace("{name}", item.operator));
    return parts.join(" · ");
  }

  function renderQueue(list, items, none) {
    list.innerHTML = "";
    if (!items.length) { list.appendChild(el("li", { "class": "empty" }, none)); return; }
    items.forEach(function (item) {
      var li = el("li", { "class": "queue-item" + (item.id === selected ? " selected" : ""), "data-id": String(item.id) });
      var button = el("button", { type: "button", "class": "open", "aria-current": item.id === selected ? "true" : "false" }, describe(item));
      button.addEventListener("click", function () { select(item.id); });
      li.appendChild(button);
      if (item.left_question) li.appendChild(el("span", { "class": "tag" }, t.left_question));
      if (item.preview) li.appendChild(el("p", { "class": "preview", lang: item.language }, item.preview));
      list.appendChild(li);
    });
  }

  function refreshLists() {
    return api("/api/inbox").then(function (data) {
      renderQueue(waitingList, data.waiting, t.nobody_waiting);
      renderQueue(activeList, data.active, t.none_active);
    });
  }

  function speaker(entry) {
    if (entry.who === "user") return t.user;
    if (entry.who === "staff") return t.staff_said.replace("{name}", entry.name || "");
    if (entry.who === "notice") return t.notice;
    return t.assistant_said;
  }

  function renderConversation(data) {
    var conversation = data.conversation;
    current = conversation;
    empty.hidden = true;
    body.hidden = false;
    meta.textContent = describe(conversation);
    var mine = conversation.status === "active" && conversation.operator === me;
    takeButton.hidden = conversation.status !== "waiting";
    handbackButton.hidden = !mine;
    closeButton.hidden = !mine;
    replyForm.hidden = !mine;
    factForm.hidden = !mine;
    factResults.hidden = !mine;
    if (conversation.status !== "waiting" && conversation.status !== "active") actionStatus.textContent = t.ended;
    transcriptList.innerHTML = "";
    data.transcript.forEach(function (entry) {
      var li = el("li", { "class": "turn turn-" + entry.who });
      li.appendChild(el("span", { "class": "who" }, speaker(entry) + ": "));
      var text = el("span", { "class": "said" }, entry.text);
      if (entry.who === "user") text.setAttribute("lang", conversation.language);
      li.appendChild(text);
      transcriptList.appendChild(li);
    });
    transcriptList.scrollTop = transcriptList.scrollHeight;
  }

  function refreshConversation() {
    if (!selected) return Promise.resolve();
    return api("/api/inbox/" + selected).then(function (data) {
      if (data._status === 200) renderConversation(data);
    });
  }

  function select(id) {
    selected = id;
    history.replaceState(null, "", "#c=" + id);
    actionStatus.textContent = "";
    factResults.innerHTML = "";
    refreshLists();
    refreshConversation().then(function () { if (!replyForm.hidden) replyBox.focus(); });
  }

  function act(path, payload) {
    actionStatus.textContent = "";
    return api("/api/inbox/" + selected + "/" + path, { method: "POST", body: JSON.stringify(payload || {}) })
      .then(function (data) {
        if (data.error && data._status >= 400) actionStatus.textContent = data.error;
        return Promise.all([refreshLists(), refreshConversation()]).then(function () { return data; });
      });
  }

  takeButton.addEventListener("click", function () {
    act("take").then(function (data) { if (data.taken) replyBox.focus(); });
  });
  handbackButton.addEventListener("click", function () { act("handback"); });
  closeButton.addEventListener("click", function () { act("close"); });
  replyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = replyBox.value.trim();
    if (!text) return;
    act("reply", { text: text }).then(function (data) {
      if (data._status !== 200) return;
      replyBox.value = "";
      actionStatus.textContent = data.delivered ? t.delivered : (data.sent ? t.sent : t.kept);
    });
  });
  replyBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) replyForm.requestSubmit();
  });

  factForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = factForm.q.value.trim();
    if (!query || !current) return;
    api("/api/search?q=" + encodeURIComponent(query)).then(function (data) {
      factResults.innerHTML = "";
      (data.results || []).slice(0, 8).forEach(function (fact) {
        var quote = fact.quotes[current.language] || fact.quotes.en;
        var li = el("li", { "class": "fact-result", "data-fact-id": fact.id });
        li.appendChild(el("p", { lang: current.language }, quote));
        var insert = el("button", { type: "button", "class": "insert", "aria-label": t.insert + ": " + fact.id }, t.insert);
        insert.addEventListener("click", function () {
          replyBox.value = (replyBox.value.trim() ? replyBox.value.trim() + "\n\n" : "") + quote;
          replyBox.focus();
        });
        li.appendChild(insert);
        factResults.appendChild(li);
      });
      if (!data.results || !data.results.length) factResults.appendChild(el("li", { "class": "empty" }, t.no_results));
    });
  });

  // Live updates: one server-sent event per change.
  var source = new EventSource("/api/inbox/stream");
  source.addEventListener("change", function (event) {
    liveStatus.textContent = "";
    document.body.setAttribute("data-version", event.data);
    refreshLists();
    refreshConversation();
  });
  source.onerror = function () { liveStatus.textContent = t.connection_lost; };

  refreshLists();
  if (selected) select(selected);
})();
