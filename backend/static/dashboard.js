// Live updates for the dashboard's pages (backend/web/live.py): listen to /dashboard/events and,
// for each change, fetch again the parts of the page it concerns. A part is an element with
// data-live-url (where its fresh HTML is) and data-live-on (the topics it shows: a message kind
// such as "order", a source such as "kiosk", or "tenant:7"). The server renders; this only swaps.
(() => {
  "use strict";
  const body = document.body;
  const status = document.getElementById("live-status");
  const parts = () => Array.from(document.querySelectorAll("[data-live-url]"));
  if (!window.EventSource || parts().length === 0) return;

  const due = new Map(); // part -> whether to highlight it (it changed, not merely fetched)
  let timer = null;
  let whenDone = null;

  function show(state, text) {
    body.dataset.live = state;
    if (status) status.textContent = text;
  }

  // A burst of changes (one top-up is several messages) becomes one fetch per part.
  function refresh(elements, highlight, then) {
    elements.forEach((el) => due.set(el, highlight || due.get(el) || false));
    if (then) whenDone = then;
    if (!timer) timer = setTimeout(flush, 150);
  }

  async function flush() {
    timer = null;
    const elements = Array.from(due);
    due.clear();
    const then = whenDone;
    whenDone = null;
    for (const [el, highlight] of elements) {
      if (!el.isConnected) continue; // replaced with its enclosing part already
      let reply, html;
      try {
        reply = await fetch(el.dataset.liveUrl, { credentials: "same-origin" });
        html = await reply.text();
      } catch (error) {
        continue; // the server is restarting: the stream's "ready" fetches everything again
      }
      if (reply.status === 401) return location.reload(); // signed out: the page goes to sign-in
      if (!reply.ok) continue;
      const holder = document.createElement("template");
      holder.innerHTML = html.trim();
      const fresh = holder.content.firstElementChild;
      if (fresh) {
        if (highlight) fresh.classList.add("changed");
        el.replaceWith(fresh);
      }
    }
    if (then) then();
  }

  function topics(change) {
    const list = [change.kind, change.source];
    if (change.tenant_id != null) list.push("tenant:" + change.tenant_id);
    if (change.kiosk_id != null) list.push("kiosk:" + change.kiosk_id);
    return list;
  }

  const source = new EventSource(body.dataset.events);
  // On (re)connecting, fetch everything once: changes made while the page loaded or the stream
  // was broken were not heard. The page counts as live only when that is done.
  source.addEventListener("ready", () => refresh(parts(), false, () => show("on", "live")));
  source.addEventListener("resync", () => refresh(parts(), false));
  source.addEventListener("change", (event) => {
    const heard = topics(JSON.parse(event.data));
    const hit = parts().filter((el) =>
      el.dataset.liveOn.split(" ").some((topic) => heard.includes(topic)));
    if (hit.length) refresh(hit, true);
  });
  source.onerror = () => show("off", "reconnecting…");
})();
