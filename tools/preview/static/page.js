// The preview page: sends each message to the local preview server and shows the reply with its explanation.
// Everything is written with textContent: what the assistant or a person typed is never read as HTML.
"use strict";
(function () {
  const token = document.querySelector('meta[name="preview-token"]').content;
  const log = document.getElementById("log");
  const form = document.getElementById("send");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  let conversation = newConversation();

  function newConversation() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(value) { return Math.round(value * 100) + "%"; }

  function where(file, line) { return file ? file + (line ? ", line " + line : "") : ""; }

  function row(list, term, value, field) {
    if (!value) return;
    list.append(element("dt", "", term));
    const dd = element("dd", "", value);
    if (field) dd.dataset.field = field;
    list.append(dd);
  }

  // Why this was picked, and how sure the model was (the same words as `make try MSG=...`).
  function reason(e) {
    if (e.by_rule) {
      if (e.model_confidence !== null) {
        return "decided by " + e.decided_by + "; the model alone was " + percent(e.model_confidence) + " sure";
      }
      if (e.runner_up) {
        return "decided by " + e.decided_by + "; the model on its own would have picked " + e.runner_up.name +
          ", " + percent(e.runner_up.confidence) + " sure";
      }
      return "decided by " + e.decided_by;
    }
    if (e.picked === "nlu_fallback") return e.decided_by;
    return percent(e.confidence) + " sure";
  }

  function explanation(result) {
    const e = result.explanation;
    const box = element("details", "explanation");
    box.open = true;
    const summary = element("summary", "", "Picked: " + e.picked + " (" + reason(e) + ")");
    box.append(summary);
    const list = element("dl");
    row(list, "Picked", e.picked, "picked");
    if (!e.by_rule) row(list, "Confidence", percent(e.confidence), "confidence");
    else if (e.model_confidence !== null) row(list, "Confidence", percent(e.model_confidence) + " (the model alone)", "confidence");
    else row(list, "Confidence", "a rule, not a guess (see the runner-up for the model's own pick)", "confidence");
    row(list, "Decided by", e.decided_by, "decided-by");
    if (e.best_guess) row(list, "Best guess", e.best_guess.name + " (" + percent(e.best_guess.confidence) + ")", "best-guess");
    if (e.runner_up) row(list, "Runner-up", e.runner_up.name + " (" + percent(e.runner_up.confidence) + ")", "runner-up");
    if (e.answer) row(list, "Answer written in", where(e.answer.file, e.answer.line), "answer");
    box.append(list);

    box.append(element("p", "", "Each line of the reply came from:"));
    const sources = element("ul", "sources");
    for (const s of e.lines) {
      const item = element("li", "source", "\u201c" + s.text + "\u201d: " + s.what + " ");
      item.dataset.file = s.file || "";
      if (s.file) item.append(element("span", "where", where(s.file, s.line)));
      sources.append(item);
    }
    box.append(sources);

    box.append(element("p", "", "Training examples of " + (e.best_guess ? e.best_guess.name : e.picked) +
      " most like your message:"));
    const nearest = element("ul", "nearest");
    for (const x of e.nearest.own) {
      const item = element("li", "example", percent(x.alike) + " alike: \u201c" + x.text + "\u201d ");
      item.append(element("span", "where", where(x.file, x.line)));
      nearest.append(item);
    }
    if (e.nearest.closer_elsewhere) {
      const x = e.nearest.closer_elsewhere;
      const item = element("li", "closer", "Closer still, but an example of " + x.intent + ": \u201c" + x.text + "\u201d ");
      item.append(element("span", "where", where(x.file, x.line)));
      nearest.append(item);
    }
    box.append(nearest);
    const remembered = Object.entries(result.remembered).map(([k, v]) => k + " " + v).join(", ");
    box.append(element("p", "remembered", "Remembered: " + (remembered || "nothing yet")));
    if (result.erased) {
      box.append(element("p", "erased", "Quick exit: the real chat erases the conversation here. The preview starts a new one."));
    }
    return box;
  }

  async function send(text) {
    log.append(element("div", "you", text));
    status.textContent = "Waiting for the assistant...";
    let response;
    try {
      response = await fetch("/message", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Preview-Token": token },
        body: JSON.stringify({ conversation: conversation, text: text }),
      });
    } catch (error) {
      status.textContent = "The preview is not running any more. Start it again with make try.";
      return;
    }
    const result = await response.json();
    if (!response.ok) {
      status.textContent = result.error || "Something went wrong.";
      return;
    }
    status.textContent = "";
    for (const message of result.messages) {
      const bubble = element("div", "bot", message.text);
      for (const button of message.buttons) {
        const quick = element("button", "quick", button.title);
        quick.type = "button";
        quick.addEventListener("click", () => send(button.payload));
        bubble.append(element("br"), quick);
      }
      log.append(bubble);
    }
    log.append(explanation(result));
    if (result.erased) conversation = newConversation();
    input.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  document.getElementById("restart").addEventListener("click", async () => {
    await fetch("/forget", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Preview-Token": token },
      body: JSON.stringify({ conversation: conversation }),
    });
    conversation = newConversation();
    log.replaceChildren();
    status.textContent = "Started again: the previous conversation is forgotten.";
    input.focus();
  });
  input.focus();
})();
