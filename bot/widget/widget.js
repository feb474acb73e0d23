/*
 * Chat widget: add it to a page with one tag, served by the assistant's own server:
 *
 *   <script src="https://chat.example.org/webhooks/web/widget.js" defer
 *           data-title="Chat" data-exit-url="https://www.bbc.co.uk/weather"></script>
 *
 * Its data attributes (all optional) are declared once, in bot/widget/parameters.yml;
 * the server hands that declaration to this script with its own defaults filled in
 * (DEFAULTS.params), and this script reads exactly those attributes.
 *
 * Leaves no trace in the browser: the conversation lives in this script's memory
 * only (no cookies, no web storage), every request goes to the assistant server,
 * and text is always rendered as text, never as HTML.
 */
(function () {
  "use strict";

  // Filled in by the server (bot/channels/web.py) from its settings.
  var DEFAULTS = /*@DEFAULTS@*/{};

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || document.querySelector("[data-hb-widget]")) {
    return; // loaded twice: one widget is enough
  }
  var data = script.dataset || {};
  var PARAMS = DEFAULTS.params || {};

  // A declared data attribute's value, or its default (also for a value not allowed).
  function param(name) {
    var spec = PARAMS[name] || {};
    var value = data[name.replace(/-([a-z])/g, function (_, c) { return c.toUpperCase(); })];
    if (value === undefined || (spec.values && spec.values.indexOf(value) < 0)) return spec["default"];
    return value;
  }

  var scriptUrl = new URL(script.src, document.baseURI);
  var server = param("server");
  var base = server
    ? server.replace(/\/+$/, "") + "/webhooks/web/"
    : scriptUrl.href.replace(/widget\.js(?:[?#].*)?$/, "");
  var config = {
    title: param("title") || "Chat",
    greeting: param("greeting") || "",
    exitUrl: webUrl(param("exit-url")) || webUrl((PARAMS["exit-url"] || {})["default"]) || "about:blank",
    exitPhrases: DEFAULTS.exitPhrases || ["exit", "quick exit", "salir"],
    maxChars: DEFAULTS.maxChars || 2000,
    offline: DEFAULTS.offline || {},
    open: param("open") === "true",
    lang: param("lang") === "es" ? "es" : "en"
  };

  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;
  // The widget's own words; the assistant's replies come from the server in the
  // conversation's language. The language button switches both.
  var TEXTS = {};
  TEXTS.en = {
    exit: "Quick exit",
    send: "Send",
    message: "Message",
    conversation: "Conversation",
    you: "You said:",
    bot: "Reply:",
    suggestions: "Suggested replies",
    minimise: "Minimise chat",
    typing: "Writing a reply",
    idle: "This chat was cleared after a while without messages.",
    offline: "The chat could not be reached. Check your connection and try again. These numbers work without it:",
    shiftMore: function (left) {
      return "Shift, press " + left + " more time" + (left === 1 ? "" : "s") + " to exit.";
    },
    shiftExpired: "Quick exit timed out.",
    leaving: "Leaving this page.",
    otherLanguage: "Español",
    otherLang: "es",
    switchMessage: "español"
  };
  TEXTS.es = {
    exit: "Salida rápida",
    send: "Enviar",
    message: "Mensaje",
    conversation: "Conversación",
    you: "Escribiste:",
    bot: "Respuesta:",
    suggestions: "Respuestas sugeridas",
    minimise: "Minimizar el chat",
    typing: "Escribiendo una respuesta",
    idle: "Este chat se borró después de un rato sin mensajes.",
    offline: "No se pudo conectar con el chat. Revisa tu conexión e inténtalo otra vez. Estos números funcionan sin él:",
    shiftMore: function (left) {
      return "Mayúsculas: pulsa " + left + (left === 1 ? " vez" : " veces") + " más para salir.";
    },
    shiftExpired: "Se acabó el tiempo de la salida rápida.",
    leaving: "Saliendo de esta página.",
    otherLanguage: "English",
    otherLang: "en",
    switchMessage: "english"
  };
  var TEXT = TEXTS[config.lang];

  // ---- state: memory only -------------------------------------------------
  var state = {
    id: newConversationId(),
    sentAny: false, // a message has gone to the server (it may hold a conversation)
    answered: false, // the server has answered at least once
    exiting: false,
    queue: Promise.resolve(),
    inFlight: [] // AbortControllers of requests not answered yet
  };

  function newConversationId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) {
      hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return "web-" + hex;
  }

  function webUrl(value) {
    if (!value) return null;
    try {
      var url = new URL(value, document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // ---- DOM helpers (text only, never innerHTML) ---------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // ---- build the widget inside a closed shadow root: the host page's CSS cannot break
  // it, and the page's scripts get no handle on it (element.shadowRoot is null). This
  // keeps out DOM readers such as session replay, not a script that sets out to spy:
  // the host page's code runs before ours (README, "Web widget").
  var host = el("div", { "data-hb-widget": "" });
  var root = host.attachShadow({ mode: "closed" });
  root.appendChild(el("link", { rel: "stylesheet", href: base + "widget.css" }));

  var exitLabel = el("span", { class: "hb-exit-label", text: TEXT.exit });
  var exitButton = el("button", { type: "button", class: "hb-exit", id: "hb-exit" }, [
    exitLabel,
    el("span", { class: "hb-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")])
  ]);
  var announcer = el("div", { class: "hb-sr", role: "status", "aria-live": "polite", id: "hb-announcer" });
  var launcher = el("button", {
    type: "button", class: "hb-launcher", id: "hb-launcher",
    "aria-controls": "hb-panel", "aria-expanded": "false", text: config.title
  });
  var log = el("div", {
    class: "hb-log", id: "hb-log", role: "log", "aria-live": "polite",
    "aria-relevant": "additions", "aria-label": TEXT.conversation, tabindex: "0"
  });
  var input = el("input", {
    type: "text", id: "hb-input", class: "hb-input", autocomplete: "off", autocorrect: "off",
    spellcheck: "false", enterkeyhint: "send", maxlength: String(config.maxChars)
  });
  var sendButton = el("button", { type: "submit", class: "hb-send", id: "hb-send", text: TEXT.send });
  var inputLabel = el("label", { for: "hb-input", class: "hb-sr", text: TEXT.message });
  var form = el("form", { class: "hb-form", novalidate: "" }, [
    inputLabel,
    input,
    sendButton
  ]);
  var minimise = el("button", {
    type: "button", class: "hb-minimise", id: "hb-minimise", "aria-label": TEXT.minimise,
    "aria-controls": "hb-panel", "aria-expanded": "true"
  }, [el("span", { class: "hb-minimise-icon", "aria-hidden": "true" })]);
  var languageButton = el("button", { type: "button", class: "hb-language", id: "hb-language" });
  var panel = el("section", { class: "hb-panel", id: "hb-panel", "aria-labelledby": "hb-title" }, [
    el("div", { class: "hb-header" }, [
      el("h2", { class: "hb-title", id: "hb-title", text: config.title }),
      languageButton,
      minimise
    ]),
    log,
    form
  ]);
  var overlayText = el("p", { text: TEXT.leaving });
  var overlay = el("div", { class: "hb-overlay", id: "hb-overlay", hidden: "" }, [overlayText]);
  var widget = el("aside", { class: "hb", "aria-label": config.title }, [
    exitButton, announcer, launcher, panel, overlay
  ]);
  widget.hidden = true; // shown once its styles are in, so it never flashes unstyled
  root.appendChild(widget);
  root.querySelector("link").addEventListener("load", function () { widget.hidden = false; });
  root.querySelector("link").addEventListener("error", function () { widget.hidden = false; });

  function mount() {
    document.body.appendChild(host);
    setOpen(config.open, false);
    if (config.greeting) addBotMessage({ text: config.greeting });
  }

  // ---- open / minimise ----------------------------------------------------
  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    minimise.setAttribute("aria-expanded", String(open));
    if (moveFocus) (open ? input : launcher).focus();
  }
  launcher.addEventListener("click", function () { setOpen(true, true); });
  minimise.addEventListener("click", function () { setOpen(false, true); });

  // ---- rendering ----------------------------------------------------------
  // "call 1-800-799-7233", "text 988", "text START to 88788": tap to call or text.
  var CALL_OR_TEXT = /\b([Cc]all|[Tt]ext)\s+(?:([A-Z][A-Z0-9]{1,15})\s+to\s+)?(\+?\d(?:[\d -]{0,18}\d)?)/;
  var WEB = /\bhttps?:\/\/[^\s<>"']+|\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\b(?:[a-z0-9-]+\.)+(?:org|com|net|gov|edu|uk|ca|au|us|info)(?:\/[^\s<>"']*)?/;
  var SAFE_SCHEMES = ["http:", "https:", "tel:", "sms:", "mailto:"];

  function safeHref(href) {
    try {
      return SAFE_SCHEMES.indexOf(new URL(href).protocol) >= 0 ? href : null;
    } catch (e) {
      return null;
    }
  }

  function nextLink(text) {
    var best = null;
    var phone = CALL_OR_TEXT.exec(text);
    if (phone) {
      var digits = phone[3].replace(/[^\d+]/g, "");
      if (digits.replace("+", "").length >= 3) {
        var href = phone[1].toLowerCase() === "call"
          ? "tel:" + digits
          : "sms:" + digits + (phone[2] ? "?&body=" + encodeURIComponent(phone[2]) : "");
        best = { index: phone.index, text: phone[0], href: href, kind: "phone" };
      }
    }
    var web = WEB.exec(text);
    if (web && (!best || web.index < best.index)) {
      var found = web[0].replace(/[.,;:!?)]+$/, "");
      var target = /^https?:/i.test(found) ? found : found.indexOf("@") > 0 ? "mailto:" + found : "https://" + found;
      best = { index: web.index, text: found, href: target, kind: "web" };
    }
    return best;
  }

  function appendRichText(parent, text) {
    var rest = text;
    var link = nextLink(rest);
    while (link) {
      if (link.index > 0) parent.appendChild(document.createTextNode(rest.slice(0, link.index)));
      var href = safeHref(link.href);
      if (href) {
        var a = el("a", { href: href, class: "hb-link hb-link-" + link.kind, text: link.text });
        if (link.kind === "web") {
          a.target = "_blank";
          a.rel = "noopener noreferrer";
        }
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(link.text));
      }
      rest = rest.slice(link.index + link.text.length);
      link = nextLink(rest);
    }
    if (rest) parent.appendChild(document.createTextNode(rest));
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addUserMessage(text) {
    log.appendChild(el("div", { class: "hb-msg hb-user" }, [
      el("span", { class: "hb-sr", text: TEXT.you + " " }),
      text
    ]));
    scrollToEnd();
  }

  function addBotMessage(message) {
    var bubble = el("div", { class: "hb-msg hb-bot" }, [el("span", { class: "hb-sr", text: TEXT.bot + " " })]);
    if (typeof message.text === "string") appendRichText(bubble, message.text);
    log.appendChild(bubble);
    var buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (buttons.length) {
      var group = el("div", { class: "hb-replies", role: "group", "aria-label": TEXT.suggestions });
      buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
        var button = el("button", { type: "button", class: "hb-reply", text: b.title });
        button.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (other) { other.disabled = true; });
          send(b.payload, b.title);
          input.focus();
        });
        group.appendChild(button);
      });
      log.appendChild(group);
    }
    scrollToEnd();
  }

  function addNotice(text) {
    log.appendChild(el("p", { class: "hb-notice", text: text }));
    scrollToEnd();
  }

  var typing = el("div", { class: "hb-typing", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]);
  var typingText = el("span", { class: "hb-sr", text: TEXT.typing });
  typing.appendChild(typingText);

  // ---- language: the widget's words now, the assistant's from the server -------
  function applyLanguage() {
    widget.setAttribute("lang", config.lang);
    exitLabel.textContent = TEXT.exit;
    sendButton.textContent = TEXT.send;
    inputLabel.textContent = TEXT.message;
    log.setAttribute("aria-label", TEXT.conversation);
    minimise.setAttribute("aria-label", TEXT.minimise);
    typingText.textContent = TEXT.typing;
    overlayText.textContent = TEXT.leaving;
    languageButton.textContent = TEXT.otherLanguage;
    languageButton.setAttribute("lang", TEXT.otherLang);
  }
  applyLanguage();

  languageButton.addEventListener("click", function () {
    var message = TEXT.switchMessage; // "español" / "english": the assistant switches too
    var pressed = TEXT.otherLanguage;
    config.lang = TEXT.otherLang;
    TEXT = TEXTS[config.lang];
    applyLanguage();
    send(message, pressed);
    input.focus();
  });

  // Only a visual cue: each reply is announced through the log when it arrives.
  function setBusy(busy) {
    if (busy) {
      log.appendChild(typing);
      scrollToEnd();
    } else if (typing.parentNode) {
      typing.parentNode.removeChild(typing);
    }
  }

  // ---- talking to the server ---------------------------------------------
  function post(message, keepalive) {
    // Every request but the exit can be aborted: quick exit aborts them first, so no
    // message still uploading reaches the server after the erase.
    var controller = keepalive ? null : new AbortController();
    if (controller) state.inFlight.push(controller);
    var forget = function () {
      state.inFlight = state.inFlight.filter(function (c) { return c !== controller; });
    };
    // text/plain keeps this a "simple" cross-origin request (no preflight); see web.py.
    var request = fetch(base + "webhook", {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify({ sender: state.id, message: message }),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      keepalive: !!keepalive,
      signal: controller ? controller.signal : undefined
    });
    request.then(forget, forget);
    return request;
  }

  // As bot.text.normalise_phrase on the server: width, case, accents, punctuation and
  // spacing folded, but no letter of any script dropped ("Как мне exit" is not "exit").
  function normalise(text) {
    return text.normalize("NFKC").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
      .replace(/['\u2019]/g, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function send(text, shownAs) {
    if (state.exiting) return;
    if (config.exitPhrases.indexOf(normalise(text)) >= 0) {
      quickExit();
      return;
    }
    addUserMessage(shownAs || text);
    state.sentAny = true;
    state.queue = state.queue.then(function () {
      if (state.exiting) return null;
      setBusy(true);
      return post(text, false)
        .then(function (reply) { return reply.json(); })
        .then(function (body) { if (!state.exiting) showReply(body); })
        .catch(function () {
          if (state.exiting) return;
          addNotice(TEXT.offline);
          (config.offline[config.lang] || []).forEach(function (t) { addBotMessage({ text: t }); });
        })
        .then(function () { setBusy(false); });
    });
  }

  function showReply(body) {
    if (body.exited) {
      quickExit(true);
      return;
    }
    if (body.new_conversation && state.answered) addNotice(TEXT.idle);
    if (typeof body.error === "string") addNotice(body.error);
    (Array.isArray(body.messages) ? body.messages : []).forEach(addBotMessage);
    state.answered = true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) {
      input.focus();
      return;
    }
    input.value = "";
    send(text);
    input.focus();
  });

  // ---- quick exit -----------------------------------------------------------
  function quickExit(alreadyErased) {
    if (state.exiting) return;
    state.exiting = true;
    // 1. Hide everything at once: the chat and the page around it.
    panel.hidden = true;
    launcher.hidden = true;
    exitButton.hidden = true;
    overlay.hidden = false;
    document.documentElement.style.setProperty("visibility", "hidden", "important");
    // 2. Abort what is still on its way, then erase on the server; keepalive lets the
    //    erase finish while the page goes.
    state.inFlight.forEach(function (controller) { controller.abort(); });
    state.inFlight = [];
    if (state.sentAny && !alreadyErased) {
      try {
        post("/quick_exit", true).catch(function () {});
      } catch (e) { /* leaving matters more than the erase request */ }
    }
    // 3. Drop everything this page knows.
    log.textContent = "";
    input.value = "";
    state.id = null;
    state.queue = Promise.resolve();
    // 4. Replace this page in the history, so Back does not come back here.
    window.location.replace(config.exitUrl);
  }

  exitButton.addEventListener("click", function (event) {
    event.preventDefault();
    quickExit();
  });

  // Shift pressed three times within 5 seconds (GOV.UK "Exit this page"): a Shift
  // used to type a capital letter does not count, any other key starts again.
  var shiftCount = 0;
  var shiftTimer = null;
  var lastKeyWasModified = false;

  function resetShift(announceExpiry) {
    shiftCount = 0;
    exitButton.setAttribute("data-presses", "0");
    if (shiftTimer) clearTimeout(shiftTimer);
    shiftTimer = null;
    if (announceExpiry) announcer.textContent = TEXT.shiftExpired;
  }

  document.addEventListener("keyup", function (event) {
    if (state.exiting) return;
    if (event.key === "Shift" && !lastKeyWasModified) {
      shiftCount += 1;
      exitButton.setAttribute("data-presses", String(shiftCount));
      if (shiftCount >= SHIFT_PRESSES) {
        resetShift(false);
        announcer.textContent = TEXT.leaving;
        quickExit();
        return;
      }
      announcer.textContent = TEXT.shiftMore(SHIFT_PRESSES - shiftCount);
      if (shiftTimer) clearTimeout(shiftTimer);
      shiftTimer = setTimeout(function () { resetShift(true); }, SHIFT_WINDOW_MS);
    } else if (shiftTimer) {
      resetShift(false);
    }
    lastKeyWasModified = event.shiftKey;
  }, true);

  // A page restored from the back-forward cache after an exit must not show the chat.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && state.exiting) window.location.replace(config.exitUrl);
  });

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
