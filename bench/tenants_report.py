"""The markdown tables of bench/tenants.py: each figure, and its ratio to the same figure on 1 kommune (same run)."""

from __future__ import annotations


def _ratio(x: float | None, base: float | None) -> str:
    if x is None or not base:
        return "–"
    return f"{x / base:.2f}×"


def _base(rows: list[dict], key: str, **match: object) -> float | None:
    for r in rows:
        if r["kommuner"] == min(x["kommuner"] for x in rows) and all(r.get(k) == v for k, v in match.items()):
            return r.get(key)
    return None


def report(res: dict) -> str:
    first = min((b["kommuner"] for b in res["builds"]), default=1)
    lines = [f"Command: `{res['command']}`, started {res['started']}, load average {res['load_start']} at the start, "
             f"{res.get('load_end')} at the end. Ratios are against the same figure on {first} kommune(r) in the same run.",
             "", "| kommuner | staff | leaders | avvik | data × | built in (s) |", "|---:|---:|---:|---:|---:|---|"]
    for b in res["builds"]:
        how = "reused" if b.get("reused") else f"{b['total_s']} (migrate {b['migrate_s']}, COPY + indexes {b['load_s']})"
        lines.append(f"| {b['kommuner']} | {b['staff']:,} | {b['leaders']:,} | {b['avvik']:,} | "
                     f"{b['kommuner'] / first:g}× | {how} |")
    if res["summaries"]:
        rows = res["summaries"]
        tb = _base(rows, "total_s")
        lines += ["", "Year summaries (2026), every kommune one after the other; each paired with the 1-kommune "
                  "baseline timed right after it:", "",
                  "| kommuner | total s | ms per kommune (median / max) | total vs 1 | per kommune vs 1 (paired) |",
                  "|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['kommuner']} | {r['total_s']} | {r['ms_median']} / {r['ms_max']} | {_ratio(r['total_s'], tb)} | "
                  f"{r['per_kommune_vs_base']:.2f}× |" for r in rows]
    if res["acks"]:
        rows = res["acks"]
        p50, p99 = _base(rows, "p50"), _base(rows, "p99")
        lines += ["", "Slack acks (signed `message.im` events, `trad serve --workers 2`):", "",
                  "| kommuner | workspaces | rate | events | p50 ms | p99 ms | p50 vs 1 | p99 vs 1 | non-2xx | "
                  "replies / expected | generator late p99 / max ms |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['kommuner']} | {r['workspaces']} | {r['rate']:g}/s | {r['n']} | {r['p50']:.1f} | {r['p99']:.1f} | "
                  f"{_ratio(r['p50'], p50)} | {_ratio(r['p99'], p99)} | {r['non2xx']} | {r['replies']} / "
                  f"{r['replies_expected']} | {r['send_late_p99']:.1f} / {r['send_late_max']:.1f} |" for r in rows]
    if res["fanout"]:
        rows = res["fanout"]
        lines += ["", "Nudge fan-out (monthly job for every leader, then delivery):", "",
                  "| kommuner | senders | leaders | enqueue s (ms/leader) | enqueue vs 1 | delivery s (first to last post; with start-up) | workspaces seen | "
                  "floor s (largest workspace) | per-workspace wall ÷ floor (max / median) | lost | doubled | 429 share | "
                  "posts/s | deliverers' CPU ms per DM |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            eb = _base(rows, "enqueue_s", senders=r["senders"])
            lines.append(f"| {r['kommuner']} | {r['senders']} | {r['leaders']:,} | {r['enqueue_s']} "
                         f"({r['enqueue_ms_per_leader']}) | {_ratio(r['enqueue_s'], eb)} | {r['deliver_s']} ({r['wall_s']}) | "
                         f"{r['workspaces_seen']} | {r['floor_s_max']} | {r['ws_ratio_max']} / {r['ws_ratio_median']} | "
                         f"{r['lost']} | {r['doubled']} | {r['r429_share_pct']} % | {r.get('posts_per_s', '–')} | "
                         f"{r.get('cpu_ms_per_dm', '–')} |")
    return "\n".join(lines)
