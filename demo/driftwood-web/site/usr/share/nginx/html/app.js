// Driftwood front end: fetch today's tides for a beach from the API (proxied by nginx at /api/).
"use strict";

const fmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

async function loadTides(beach) {
  const out = document.getElementById("tides");
  try {
    const res = await fetch(`/api/tides?beach=${encodeURIComponent(beach)}`);
    if (!res.ok) throw new Error(`API answered ${res.status}`);
    const { events, walkable } = await res.json();
    out.innerHTML = "";
    for (const e of events) {
      const row = document.createElement("p");
      row.className = e.kind; // "high" or "low"
      row.textContent = `${e.kind === "high" ? "High" : "Low"} water ${fmt.format(new Date(e.at))}, ${e.height_m.toFixed(1)} m`;
      out.append(row);
    }
    const verdict = document.createElement("p");
    verdict.className = "verdict";
    verdict.textContent = walkable
      ? `Walkable from ${fmt.format(new Date(walkable.from))} to ${fmt.format(new Date(walkable.until))}.`
      : "Not walkable today.";
    out.append(verdict);
  } catch (err) {
    out.innerHTML = `<p class="error">Could not load tides: ${err.message}</p>`;
  }
}

const select = document.getElementById("beach");
select.addEventListener("change", () => loadTides(select.value));
loadTides(select.value);
