// The assistant's web chat: a small widget on socket.io-client, talking to Rasa's socket.io channel.
//
// - Interface text comes from the server's gettext catalogs (`strings`, four languages).
// - The chosen language is sent with every message as metadata ({language}); the default is the
//   browser's language when it is one of the four.
// - The conversation survives a reload of the tab: the server-signed session id and the transcript are
//   kept in the tab's sessionStorage, gone when the tab is closed (on a shared computer in a library
//   or a reception centre the next person does not read it). "Remember this conversation on this
//   device" (off by default) keeps them in localStorage instead; "new conversation" forgets both.
// - Bot text is shown as text (never as HTML); web addresses become links; buttons are real buttons.
import { io } from "socket.io-client";

const LANGUAGES = ["uk", "nl", "fr", "en"];
const ENDONYMS = { uk: "Українська", nl: "Nederlands", fr: "Français", en: "English" };
const MAX_HISTORY = 200;
const URL_PATTERN = /\b((?:https?:\/\/)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:be|brussels|eu|org|com)(?:\/[^\s),;]*)?)/gi;

function storage(kind) {
  try {
    const store = window[kind];
    const probe = "__uabe__";
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch (e) {
    const memory = {};
    return {
      getItem: (k) => (k in memory ? memory[k] : null),
      setItem: (k, v) => { memory[k] = String(v); },
      removeItem: (k) => { delete memory[k]; },
    };
  }
}

function browserLanguage() {
  const preferred = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""]);
  for (const code of preferred) {
    const base = String(code).toLowerCase().split("-")[0];
    if (base === "ru") return "uk";
    if (LANGUAGES.includes(base)) return base;
  }
  return null;
}

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children || []) node.appendChild(child);
  return node;
}

// Text with line breaks and links, built from text nodes only (no HTML from the server is trusted).
function richText(text) {
  const fragment = document.createDocumentFragment();
  String(text).split("\n").forEach((line, index) => {
    if (index > 0) fragment.appendChild(document.createElement("br"));
    let last = 0;
    line.replace(URL_PATTERN, (match, url, offset) => {
      fragment.appendChild(document.createTextNode(line.slice(last, offset)));
      const href = /^https?:\/\//i.test(url) ? url : `https://${url}`;
      fragment.appendChild(el("a", { href, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(line.slice(last)));
  });
  return fragment;
}

export function mount(root, options) {
  const opts = Object.assign({ socketUrl: window.location.origin, socketPath: "/socket.io", storageKey: "uabe" }, options || {});
  const strings = opts.strings || {};
  const keys = { session: `${opts.storageKey}.session`, history: `${opts.storageKey}.history`, language: `${opts.storageKey}.language`, remember: `${opts.storageKey}.remember` };
  const kept = [keys.session, keys.history, keys.language];
  const device = storage("localStorage");
  const tab = storage("sessionStorage");
  let remember = device.getItem(keys.remember) === "1";
  if (!remember) {
    // Not to be remembered on this device (a transcript an earlier version left there included):
    // it moves to this tab only.
    kept.forEach((key) => {
      const value = device.getItem(key);
      if (value !== null && tab.getItem(key) === null) tab.setItem(key, value);
      device.removeItem(key);
    });
  }
  let store = remember ? device : tab;
  let language = store.getItem(keys.language) || opts.language || browserLanguage() || "uk";
  if (!LANGUAGES.includes(language)) language = "uk";
  let history = [];
  try { history = JSON.parse(store.getItem(keys.history) || "[]"); } catch (e) { history = []; }
  let session = store.getItem(keys.session);
  let waiting = false;

  const t = (key) => (strings[language] && strings[language][key]) || (strings.en && strings.en[key]) || key;

  // -- the DOM ----------------------------------------------------------------------------------
  root.classList.add("uabe-chat");
  root.innerHTML = "";
  const title = el("h1", { class: "uabe-title", id: "uabe-title" });
  const languageLabel = el("label", { for: "uabe-language", class: "uabe-language-label" });
  const select = el("select", { id: "uabe-language", class: "uabe-language" },
    LANGUAGES.map((code) => el("option", { value: code, lang: code, text: ENDONYMS[code] })));
  const reset = el("button", { type: "button", class: "uabe-reset" });
  const header = el("header", { class: "uabe-header" }, [title, el("div", { class: "uabe-controls" }, [languageLabel, select, reset])]);
  const rememberBox = el("input", { type: "checkbox", id: "uabe-remember", class: "uabe-remember-box" });
  rememberBox.checked = remember;
  const rememberLabel = el("label", { for: "uabe-remember", class: "uabe-remember-label" });
  const notice = el("p", { class: "uabe-notice" });
  const privacy = el("div", { class: "uabe-privacy" }, [notice, el("p", { class: "uabe-remember" }, [rememberBox, rememberLabel])]);
  // The log region holds a list (role=log on the <ol> itself would take its list semantics away).
  const list = el("ol", { class: "uabe-list" });
  const log = el("div", { class: "uabe-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" }, [list]);
  const status = el("p", { class: "uabe-status", role: "status", "aria-live": "polite" });
  const inputLabel = el("label", { for: "uabe-input", class: "uabe-visually-hidden" });
  const input = el("textarea", { id: "uabe-input", class: "uabe-input", rows: "2", maxlength: "2000", autocomplete: "off" });
  const send = el("button", { type: "submit", class: "uabe-send" });
  const form = el("form", { class: "uabe-form", novalidate: "" }, [inputLabel, input, send]);
  root.append(header, privacy, log, status, form);

  function applyLanguage() {
    root.setAttribute("lang", language);
    document.documentElement.setAttribute("lang", language);
    select.value = language;
    title.textContent = t("title");
    languageLabel.textContent = t("language");
    reset.textContent = t("new_conversation");
    notice.textContent = t("privacy");
    rememberLabel.textContent = t("remember");
    log.setAttribute("aria-label", t("conversation"));
    inputLabel.textContent = t("input_label");
    input.setAttribute("placeholder", t("input_placeholder"));
    send.textContent = t("send");
    // Text of the surrounding page that belongs to the widget's catalog (e.g. the page's intro).
    document.querySelectorAll("[data-uabe-string]").forEach((node) => {
      node.textContent = t(node.getAttribute("data-uabe-string"));
    });
    log.querySelectorAll("[data-speaker]").forEach((node) => {
      node.textContent = speakerLabel(node.getAttribute("data-speaker"), node.getAttribute("data-name"));
    });
  }

  function save() {
    store.setItem(keys.history, JSON.stringify(history.slice(-MAX_HISTORY)));
  }

  function speakerLabel(from, name) {
    if (from === "user") return t("you");
    if (from === "staff") return t("staff_said").replace("{name}", name || "");
    return t("assistant");
  }

  function renderComment(entry) {
    // The optional "what was missing?" after 👎: a small form; the next question can be typed as usual.
    const item = el("li", { class: "uabe-message uabe-bot uabe-comment" });
    if (entry.done) {
      item.appendChild(el("div", { class: "uabe-bubble", text: entry.comment.thanks }));
      list.appendChild(item);
      return;
    }
    const id = `uabe-comment-${Math.random().toString(36).slice(2, 10)}`;
    const field = el("textarea", { id, class: "uabe-comment-input", rows: "2", maxlength: "1000", placeholder: entry.comment.placeholder || "" });
    const button = el("button", { type: "submit", class: "uabe-button", text: entry.comment.send });
    const commentForm = el("form", { class: "uabe-comment-form" }, [el("label", { for: id, text: entry.comment.prompt }), field, button]);
    commentForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text) return;
      socket.emit("feedback_comment", { text }, (ok) => {
        if (!ok) return;
        entry.done = true;
        save();
        item.replaceChildren(el("div", { class: "uabe-bubble", role: "status", text: entry.comment.thanks }));
      });
    });
    item.appendChild(commentForm);
    list.appendChild(item);
  }

  function render(entry, focusButtons) {
    if (entry.comment) { renderComment(entry); log.scrollTop = log.scrollHeight; return; }
    const who = el("span", { class: "uabe-visually-hidden", "data-speaker": entry.from, "data-name": entry.name, text: speakerLabel(entry.from, entry.name) });
    const bubble = el("div", { class: "uabe-bubble" });
    if (entry.from === "staff") bubble.appendChild(el("span", { class: "uabe-staff-name", "aria-hidden": "true", text: t("staff_name").replace("{name}", entry.name || "") }));
    bubble.appendChild(richText(entry.text || ""));
    const item = el("li", { class: `uabe-message uabe-${entry.from === "staff" ? "bot uabe-staff" : entry.from}${entry.notice ? " uabe-notice-message" : ""}` }, [who, bubble]);
    if (entry.buttons && entry.buttons.length && !entry.used) {
      const group = el("div", { class: "uabe-buttons", role: "group" });
      entry.buttons.forEach((button) => {
        group.appendChild(el("button", {
          type: "button", class: "uabe-button", text: button.title,
          onclick: () => { entry.used = true; save(); group.remove(); sendMessage(button.payload, button.title); },
        }));
      });
      item.appendChild(group);
      if (focusButtons) setTimeout(() => { const first = group.querySelector("button"); if (first) first.focus(); }, 0);
    }
    list.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function add(entry) {
    history.push(entry);
    save();
    render(entry, entry.from === "bot" && document.activeElement !== input);
  }

  // -- the connection ---------------------------------------------------------------------------
  const socket = io(opts.socketUrl, { path: opts.socketPath, transports: ["websocket", "polling"], autoConnect: false });

  socket.on("connect", () => {
    status.textContent = "";
    socket.emit("session_request", { session_id: session, language });
  });
  socket.on("session_confirm", (token) => {
    if (token !== session) {
      // A new session: the transcript of another one does not belong here.
      session = token;
      store.setItem(keys.session, token);
      history = [];
      save();
      list.innerHTML = "";
    }
    root.setAttribute("data-session", "ready");
  });
  socket.on("bot_uttered", (message) => {
    if (message.feedback_comment) {
      add({ from: "bot", comment: message.feedback_comment });
      return;
    }
    const handover = message.handover;
    if (handover) {
      // A helpline staff member's reply, or a notice about the hand-over: shown once, acknowledged.
      socket.emit("handover_seen", { id: handover.id });
      if (history.some((entry) => entry.handover === handover.id)) return;
      status.textContent = "";
      add({ from: handover.kind === "staff" ? "staff" : "bot", name: handover.operator, notice: handover.kind !== "staff", handover: handover.id, text: message.text || "" });
      return;
    }
    waiting = false;
    status.textContent = "";
    add({ from: "bot", text: message.text || "", buttons: message.buttons || message.quick_replies || [] });
  });
  socket.on("handover_held", () => {
    // The message went to the helpline staff member, not to the assistant: nothing to wait for here.
    waiting = false;
    status.textContent = t("sent_to_staff");
  });
  socket.on("disconnect", () => { status.textContent = t("reconnecting"); });
  socket.on("connect_error", () => { status.textContent = t("reconnecting"); });

  function sendMessage(text, shown) {
    const message = String(text || "").trim();
    if (!message) return;
    add({ from: "user", text: shown || message });
    waiting = true;
    status.textContent = t("typing");
    socket.emit("user_uttered", { message, metadata: { language } });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    sendMessage(text);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  rememberBox.addEventListener("change", () => {
    remember = rememberBox.checked;
    const [from, to] = remember ? [tab, device] : [device, tab];
    kept.forEach((key) => {
      const value = from.getItem(key);
      if (value !== null) to.setItem(key, value);
      from.removeItem(key);
    });
    if (remember) device.setItem(keys.remember, "1");
    else device.removeItem(keys.remember);
    store = to;
  });
  select.addEventListener("change", () => {
    language = select.value;
    store.setItem(keys.language, language);
    applyLanguage();
  });
  reset.addEventListener("click", () => {
    [device, tab].forEach((place) => { place.removeItem(keys.session); place.removeItem(keys.history); });
    session = null;
    history = [];
    list.innerHTML = "";
    socket.emit("session_request", { language });
    input.focus();
  });

  applyLanguage();
  history.forEach((entry) => render(entry, false));
  socket.connect();
  return { socket, get language() { return language; }, get waiting() { return waiting; } };
}

// Embedding on another site: fetch the interface text from the assistant's server, then mount.
export async function load(root, options) {
  const server = String((options && options.server) || window.location.origin).replace(/\/$/, "");
  const response = await fetch(`${server}/strings.json`, { credentials: "omit" });
  const config = await response.json();
  return mount(root, Object.assign({ socketUrl: config.socketUrl || server, strings: config.strings }, options));
}

// The project's own page: its configuration is a JSON script element (no inline code, strict CSP).
function autoMount() {
  const configElement = document.getElementById("uabe-config");
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent);
  const root = document.getElementById(config.root || "uabe-chat");
  if (root) window.uabeChat = mount(root, config);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount);
else autoMount();
