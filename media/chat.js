// The chat panel's page: sends questions to the extension (extension/chat/panel.ts), shows the streamed answer as
// Markdown with code blocks that can be copied or inserted at the editor's cursor.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const conversation = /** @type {HTMLElement} */ (document.getElementById("conversation"));
  const prompt = /** @type {HTMLTextAreaElement} */ (document.getElementById("prompt"));
  const modelSelect = /** @type {HTMLSelectElement} */ (document.getElementById("model"));
  const contextSelect = /** @type {HTMLSelectElement} */ (document.getElementById("context"));
  const send = /** @type {HTMLButtonElement} */ (document.getElementById("send"));
  const stop = /** @type {HTMLButtonElement} */ (document.getElementById("stop"));
  const speed = /** @type {HTMLElement} */ (document.getElementById("speed"));
  /** @type {{ element: HTMLElement, text: string } | undefined} */
  let answering;

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function inline(text) {
    return escapeHtml(text)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^*])\*([^*]+)\*/g, "$1<em>$2</em>");
  }

  /** Markdown enough for chat answers: fenced code, headings, lists, paragraphs, inline code and emphasis. */
  function render(markdown, element) {
    element.replaceChildren();
    const parts = markdown.split(/^```/m);
    parts.forEach((part, index) => {
      if (index % 2 === 1) {
        const newline = part.indexOf("\n");
        const language = newline < 0 ? "" : part.slice(0, newline).trim();
        const code = newline < 0 ? "" : part.slice(newline + 1).replace(/\n$/, "");
        element.append(codeBlock(code, language));
        return;
      }
      for (const block of part.split(/\n{2,}/)) {
        if (!block.trim()) continue;
        const lines = block.split("\n");
        let node;
        if (lines.every((line) => /^\s*([-*]|\d+\.)\s/.test(line))) {
          node = document.createElement(/^\s*\d/.test(lines[0]) ? "ol" : "ul");
          node.innerHTML = lines.map((line) => `<li>${inline(line.replace(/^\s*([-*]|\d+\.)\s/, ""))}</li>`).join("");
        } else if (/^#{1,6}\s/.test(block)) {
          node = document.createElement("h3");
          node.innerHTML = inline(block.replace(/^#{1,6}\s/, ""));
        } else {
          node = document.createElement("p");
          node.innerHTML = lines.map(inline).join("<br>");
        }
        element.append(node);
      }
    });
  }

  function codeBlock(code, language) {
    const wrapper = document.createElement("div");
    wrapper.className = "code";
    const bar = document.createElement("div");
    bar.className = "code-bar";
    const label = document.createElement("span");
    label.textContent = language;
    const copy = document.createElement("button");
    copy.textContent = "Copy";
    copy.className = "secondary";
    copy.addEventListener("click", () => vscode.postMessage({ type: "copy", code }));
    const insert = document.createElement("button");
    insert.textContent = "Insert at Cursor";
    insert.className = "secondary";
    insert.addEventListener("click", () => vscode.postMessage({ type: "insert", code }));
    bar.append(label, copy, insert);
    const pre = document.createElement("pre");
    const codeElement = document.createElement("code");
    codeElement.textContent = code;
    pre.append(codeElement);
    wrapper.append(bar, pre);
    return wrapper;
  }

  function addMessage(role, text) {
    const element = document.createElement("div");
    element.className = `message ${role}`;
    element.dataset.role = role;
    if (role === "user") element.textContent = text;
    else render(text, element);
    conversation.append(element);
    element.scrollIntoView({ block: "end" });
    return element;
  }

  function setBusy(busy) {
    send.hidden = busy;
    stop.hidden = !busy;
    prompt.disabled = busy;
  }

  function submit() {
    const text = prompt.value.trim();
    if (!text || !modelSelect.value || answering) return;
    addMessage("user", text);
    prompt.value = "";
    vscode.postMessage({ type: "send", text, model: modelSelect.value, context: contextSelect.value });
  }

  send.addEventListener("click", submit);
  stop.addEventListener("click", () => vscode.postMessage({ type: "stop" }));
  document.getElementById("clear")?.addEventListener("click", () => vscode.postMessage({ type: "clear" }));
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  });

  window.addEventListener("message", (event) => {
    const message = event.data;
    switch (message.type) {
      case "init": {
        modelSelect.replaceChildren(...message.models.map((name) => new Option(name, name, false, name === message.model)));
        if (!answering) {
          conversation.replaceChildren();
          for (const turn of message.history) addMessage(turn.role, turn.content);
          if (message.models.length === 0) addMessage("notice", "No local models yet. Pull or package one from the Model Runner view.");
        }
        break;
      }
      case "start":
        answering = { element: addMessage("assistant", ""), text: "" };
        setBusy(true);
        break;
      case "delta":
        if (!answering) break;
        answering.text += message.text;
        render(answering.text, answering.element);
        answering.element.scrollIntoView({ block: "end" });
        break;
      case "done":
        answering = undefined;
        setBusy(false);
        speed.textContent = message.tokensPerSecond ? `${message.tokensPerSecond.toFixed(1)} tokens/s` : "";
        prompt.focus();
        break;
      case "error":
        if (answering) answering.element.remove();
        answering = undefined;
        setBusy(false);
        addMessage("error", message.message);
        break;
    }
  });

  vscode.postMessage({ type: "ready" });
})();
