// Light enhancement of server-rendered pages: every page works without this file.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  document.documentElement.classList.add("js");

  // Search: results and counts follow the filters without a page reload.
  const form = document.getElementById("search-form");
  if (form) {
    let pending = null;
    form.addEventListener("change", async (event) => {
      if (!event.target.matches('input[type="checkbox"]')) return;
      const focusId = event.target.id;
      const params = new URLSearchParams(new FormData(form));
      for (const [k, v] of [...params.entries()]) if (!v) params.delete(k);
      const url = "/?" + params.toString();
      if (pending) pending.abort();
      pending = new AbortController();
      document.getElementById("results").setAttribute("aria-busy", "true");
      try {
        const response = await fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } });
        const html = await response.text();
        const next = new DOMParser().parseFromString(html, "text/html");
        const facets = next.querySelector("aside.facets");
        const results = next.getElementById("results");
        if (facets && results) {
          // the live region stays in place and only its content changes, so it is announced
          document.querySelector("aside.facets").replaceWith(facets);
          document.getElementById("results").innerHTML = results.innerHTML;
          history.replaceState(null, "", url);
          const again = document.getElementById(focusId);
          if (again) again.focus();
        }
      } catch (err) {
        if (err.name !== "AbortError") form.submit();
      } finally {
        document.getElementById("results").removeAttribute("aria-busy");
      }
    });
  }

  // Votes on results and suggestions: sent without leaving the page (plain forms work too).
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.vote-btn");
    if (!button) return;
    event.preventDefault();
    const holder = button.closest(".vote");
    const body = new URLSearchParams({
      vote: button.value,
      context: button.dataset.context || "search",
      query: button.dataset.query || "",
      unit_id: button.dataset.unit || "",
      document_id: button.dataset.document || "",
    });
    try {
      const response = await fetch("/vote", {
        method: "POST",
        headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
        body,
      });
      holder.textContent = response.ok ? "Thanks: noted." : `Not stored (${response.status}).`;
    } catch (err) {
      holder.textContent = "Not stored (no connection).";
    }
    holder.setAttribute("role", "status");
  });

  // Charter assistant: findings and suggestions follow the text as it is typed.
  const editor = document.getElementById("charter");
  const panel = document.getElementById("assist");
  if (editor && panel) {
    let timer = null;
    let sent = 0;
    let controller = null;
    const status = document.createElement("p");
    status.className = "status muted";
    status.id = "assist-status";
    status.setAttribute("role", "status");
    editor.insertAdjacentElement("afterend", status);
    const check = async () => {
      const mine = ++sent;
      if (controller) controller.abort();
      controller = new AbortController();
      status.textContent = "Checking…";
      try {
        const response = await fetch("/charter/assist", {
          method: "POST",
          signal: controller.signal,
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify({ content: editor.value }),
        });
        if (mine !== sent) return; // a newer draft is on its way
        if (response.status === 401) {
          status.innerHTML = 'Your session has ended: <a href="/login?next=/charter">sign in again</a> (copy your text first).';
          return;
        }
        if (!response.ok) {
          status.textContent = "The check failed (" + response.status + "); press “Check the charter”.";
          return;
        }
        panel.innerHTML = await response.text();
        const gaps = panel.querySelectorAll(".finding").length;
        const lessons = panel.querySelectorAll(".suggestions li").length;
        status.textContent = `Checked: ${gaps} gap${gaps === 1 ? "" : "s"}, ${lessons} past lesson${lessons === 1 ? "" : "s"}.`;
        panel.dataset.checks = String((Number(panel.dataset.checks) || 0) + 1);
      } catch (err) {
        if (err.name !== "AbortError") status.textContent = "The check failed; press “Check the charter”.";
      }
    };
    // the draft survives a reload or a closed tab: it is kept in this browser only
    const KEY = "kb-charter-draft";
    const template = document.getElementById("charter-template").content.textContent;
    const saved = localStorage.getItem(KEY);
    if (saved && saved !== editor.value && editor.value === template) {
      editor.value = saved;
      const note = document.createElement("p");
      note.className = "notice";
      note.id = "draft-restored";
      note.textContent = "Your draft from this browser was restored.";
      editor.insertAdjacentElement("beforebegin", note);
    }
    document.getElementById("charter-reset").addEventListener("click", () => {
      if (editor.value !== template && !confirm("Replace your draft with the empty template?")) return;
      editor.value = template;
      localStorage.removeItem(KEY);
      check();
    });
    document.getElementById("charter-download").addEventListener("click", () => {
      const title = (editor.value.match(/^#\s+(.+)$/m) || [, "charter"])[1];
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([editor.value], { type: "text/markdown" }));
      link.download = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") + ".md";
      link.click();
      URL.revokeObjectURL(link.href);
    });
    editor.addEventListener("input", () => {
      localStorage.setItem(KEY, editor.value);
      clearTimeout(timer);
      status.textContent = "Waiting for you to pause…";
      timer = setTimeout(check, 600);
    });
    document.getElementById("charter-form").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      check();
    });
    check();
  }
})();
