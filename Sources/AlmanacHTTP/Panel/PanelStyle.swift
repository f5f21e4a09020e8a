/// The panel's CSS: one column on phones, cards and tables that scroll sideways when narrow,
/// on/off switches that are plain submit buttons (no JavaScript).
enum PanelStyle {
    static let css = """
    :root { --fg:#1d2430; --muted:#5b6676; --bg:#f4f6f9; --card:#fff; --line:#dde2ea; --on:#1f9d55; --off:#b0b8c4; --bad:#c53030; --warn:#b7791f; }
    * { box-sizing: border-box; }
    body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
    header { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; justify-content:space-between; padding:.75rem 1rem; background:#1d2430; color:#fff; }
    header h1 { font-size:1.15rem; margin:0; }
    header .meta { color:#c9d1dc; font-size:.85rem; }
    main { max-width:1100px; margin:0 auto; padding:1rem; display:grid; gap:1rem; }
    section.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1rem; overflow-x:auto; }
    h2 { font-size:1.05rem; margin:0 0 .5rem; }
    h2 small, .muted { color:var(--muted); font-weight:normal; font-size:.85rem; }
    table { border-collapse:collapse; width:100%; font-size:.9rem; }
    th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
    th { color:var(--muted); font-weight:600; font-size:.8rem; text-transform:uppercase; letter-spacing:.03em; }
    .app-head { display:flex; flex-wrap:wrap; align-items:center; justify-content:space-between; gap:.5rem; margin-bottom:.5rem; }
    form.toggle { display:flex; gap:.4rem; align-items:center; margin:0; }
    form.toggle input[type=text] { width:9rem; padding:.3rem .4rem; border:1px solid var(--line); border-radius:6px; font-size:.85rem; }
    button.switch { position:relative; width:3.4rem; height:1.8rem; border:0; border-radius:1rem; cursor:pointer; color:#fff; font-size:.7rem; font-weight:700; }
    button.switch.on { background:var(--on); text-align:left; padding-left:.55rem; }
    button.switch.off { background:var(--off); text-align:right; padding-right:.5rem; }
    button.switch::after { content:""; position:absolute; top:.2rem; width:1.4rem; height:1.4rem; border-radius:50%; background:#fff; }
    button.switch.on::after { right:.2rem; }
    button.switch.off::after { left:.2rem; }
    .state { font-size:.8rem; font-weight:700; }
    .state.on { color:var(--on); } .state.off { color:var(--muted); }
    .run { display:inline-block; margin:0 .25rem .2rem 0; padding:.05rem .4rem; border-radius:4px; font-size:.78rem; background:#e8f5ee; color:#14633a; white-space:nowrap; }
    .run.failed, .run.timed_out { background:#fde8e8; color:var(--bad); }
    .run.skipped { background:#eef1f5; color:var(--muted); }
    .run.attention { background:#fff4d6; color:#7a5200; }
    .flash { background:#fff8e1; border:1px solid #f1d48a; border-radius:8px; padding:.6rem .8rem; }
    .login input { padding:.35rem .5rem; border:1px solid var(--line); border-radius:6px; }
    .login button, header button { padding:.35rem .7rem; border-radius:6px; border:1px solid var(--line); background:#fff; cursor:pointer; }
    ul.next { margin:0; padding-left:1rem; }
    .pause { margin:.3rem 0; padding:.3rem .5rem; border-left:3px solid var(--warn); background:#fff8e1; font-size:.85rem; }
    .paused-next { color:var(--warn); font-weight:600; font-size:.85rem; }
    form.run-now { margin:.3rem 0 0; }
    form.run-now button { padding:.15rem .5rem; border-radius:6px; border:1px solid var(--line); background:#fff; cursor:pointer; font-size:.78rem; }
    @media (max-width: 640px) {
      main { padding:.5rem; }
      table.jobs thead { display:none; }
      table.jobs tr { display:block; border-bottom:1px solid var(--line); padding:.4rem 0; }
      table.jobs td { display:block; border:0; padding:.15rem 0; }
      table.jobs td[data-label]::before { content:attr(data-label) ": "; color:var(--muted); font-size:.8rem; }
    }
    """
}
