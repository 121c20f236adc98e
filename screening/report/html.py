"""report.html: one self-contained page (no network, no external assets) for auditors.

Charts are inline SVG drawn here; the file table is filtered by a few lines of inline script;
a print stylesheet hides the controls and keeps tables readable on paper.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from ..labels import LABEL_NAMES, LABELS

COLORS = {"normative": "#2b6cb0", "non_normative": "#718096", "repeal": "#c53030"}

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px auto;max-width:1200px;color:#1a202c;line-height:1.5;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;border-bottom:2px solid #e2e8f0;padding-bottom:4px;margin-top:32px}
.summary{font-size:16px;background:#f7fafc;border-left:4px solid #2b6cb0;padding:12px 16px}
.meta{color:#4a5568;font-size:13px}.meta span{margin-right:18px}
.ok{color:#276749;font-weight:bold}.bad{color:#c53030;font-weight:bold}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
th,td{border:1px solid #e2e8f0;padding:5px 7px;vertical-align:top;text-align:left}
th{background:#edf2f7;position:sticky;top:0}
tr.failed td{background:#fff5f5}td:last-child,td:first-child{white-space:nowrap}
.label{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.normative{background:#2b6cb0}.non_normative{background:#718096}.repeal{background:#c53030}
.flag{color:#9c4221}.reason{color:#9b2c2c}.small{color:#718096;font-size:12px}
.controls{margin:8px 0;display:flex;gap:12px;flex-wrap:wrap}
.controls input,.controls select{font-size:14px;padding:4px 8px}
.charts{display:flex;gap:40px;flex-wrap:wrap}
details{margin-top:8px}pre{white-space:pre-wrap;font-size:12px;background:#f7fafc;padding:8px}
@media print{.controls{display:none}body{margin:0;max-width:none}th{position:static}tr{page-break-inside:avoid}
details{display:block}details>*{display:block}}
"""

SCRIPT = """
function filterRows(){
  var q=document.getElementById('q').value.trim().toLowerCase();
  var lab=document.getElementById('lab').value, src=document.getElementById('src').value;
  var n=0;
  document.querySelectorAll('#files tbody tr').forEach(function(tr){
    var show=(!q||tr.textContent.toLowerCase().indexOf(q)>=0)&&(!lab||tr.dataset.label===lab)&&(!src||tr.dataset.source===src);
    tr.style.display=show?'':'none'; if(show){n++;}
  });
  document.getElementById('shown').textContent=n;
}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _bar_chart(counts: dict[str, int]) -> str:
    total = max(1, max(counts.get(lab, 0) for lab in LABELS))
    width, bar_h, gap = 360, 26, 12
    rows = []
    for i, lab in enumerate(LABELS):
        n = counts.get(lab, 0)
        y = i * (bar_h + gap)
        w = int(220 * n / total)
        rows.append(
            f'<text x="0" y="{y + 18}" font-size="13">{_e(LABEL_NAMES[lab])}</text>'
            f'<rect x="120" y="{y}" width="{w}" height="{bar_h}" fill="{COLORS[lab]}"></rect>'
            f'<text x="{126 + w}" y="{y + 18}" font-size="13">{n}</text>'
        )
    height = len(LABELS) * (bar_h + gap)
    return f'<svg role="img" aria-label="最终结论分布" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'


def _confusion_chart(agreement: dict[str, Any]) -> str:
    if not agreement["documents"]:
        return '<p class="small">尚无法律顾问的审查决定，无法比较。</p>'
    matrix = agreement["confusion"]
    peak = max(1, max(max(r) for r in matrix))
    cell, left, top = 64, 130, 40
    parts = [
        f'<text x="{left}" y="14" font-size="12">顾问决定 →</text>',
        '<text x="0" y="34" font-size="12">模型结论 ↓</text>',
    ]
    for j, lab in enumerate(LABELS):
        parts.append(
            f'<text x="{left + j * cell + 4}" y="{top - 6}" font-size="11">{_e(LABEL_NAMES[lab][:5])}</text>'
        )
    for i, lab in enumerate(LABELS):
        parts.append(
            f'<text x="0" y="{top + i * cell + 36}" font-size="12">{_e(LABEL_NAMES[lab])}</text>'
        )
        for j in range(len(LABELS)):
            n = matrix[i][j]
            shade = int(235 - 170 * n / peak)
            fill = (
                f"rgb({shade},{shade + 10 if shade < 245 else 245},255)"
                if i == j
                else f"rgb(255,{shade},{shade})"
            )
            parts.append(
                f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" height="{cell - 2}" fill="{fill}" stroke="#cbd5e0"></rect>'
                f'<text x="{left + j * cell + 24}" y="{top + i * cell + 36}" font-size="15">{n}</text>'
            )
    size = top + len(LABELS) * cell + 4
    return f'<svg role="img" aria-label="模型与顾问一致性矩阵" width="{left + len(LABELS) * cell + 4}" height="{size}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'


def _findings(items: list[dict[str, Any]], css: str) -> str:
    out = []
    for f in items:
        span = f"第{f['span'][0]}–{f['span'][1]}字" if f.get("span") else ""
        out.append(
            f'<div class="{css}">{_e(f["title"])}：{_e(f.get("detail"))}'
            f'<div class="small">原文：“{_e(f.get("excerpt"))}”{_e(span)}；依据：{_e(f.get("basis"))}</div></div>'
        )
    return "".join(out)


def _file_rows(report: dict[str, Any]) -> str:
    rows = []
    for r in report["files"]:
        label = r["label"] or ""
        model = (
            f"{_e(r['model_label_name'])}（{r['model_probability']:.2f}）"
            if r["model_label"]
            else ""
        )
        decision = ""
        if r["decision_label"]:
            decision = f"{_e(r['decision_label_name'])}<div class='small'>{_e(r['reviewer'])} {_e(r['decided_at'])}</div>"
            if r["reason"]:
                decision += f"<div class='small'>理由：{_e(r['reason'])}</div>"
        status = _e(r["status_name"]) + (
            f"<div class='small'>{_e(r['error'])}</div>" if r["error"] else ""
        )
        warnings = "".join(f"<div class='small'>读取提示：{_e(w)}</div>" for w in r["warnings"])
        badge = f'<span class="label {label}">{_e(r["label_name"])}</span>' if label else ""
        rows.append(
            f'<tr class="{"" if r["status"] == "ok" else "failed"}" data-label="{_e(label)}" data-source="{_e(r["final_source"])}">'
            f"<td>{r['seq']}</td><td>{_e(r['file'])}<div class='small'>{_e((r['sha256'] or '')[:16])}</div></td>"
            f"<td>{_e(r['title'])}</td><td>{_e(r['doc_number'])}</td><td>{_e(r['issuer'])}</td><td>{_e(r['date'])}</td>"
            f"<td>{badge}<div class='small'>{_e(r['final_source'])}</div></td><td>{model}<div class='small'>{_e('、'.join(r['evidence'][:4]))}</div></td>"
            f"<td>{decision}</td><td>{_findings(r['repeal_reasons'], 'reason')}{_findings(r['flags'], 'flag')}{warnings}</td><td>{status}</td></tr>"
        )
    return "".join(rows)


def _catalogue(title: str, items: list[dict[str, Any]], note: str) -> str:
    if not items:
        return f"<h2>{_e(title)}</h2><p>（无）</p>"
    note_html = f'<p class="flag">{_e(note)}</p>' if note else ""
    head = "".join(
        f"<th>{c}</th>" for c in ("序号", "文件名称", "文号", "制定机关", "发布日期", "理由")
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{_e(item[c])}</td>"
            for c in ("序号", "文件名称", "文号", "制定机关", "发布日期", "理由")
        )
        + "</tr>"
        for item in items
    )
    return f"<h2>{_e(title)}</h2>{note_html}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    import json

    batch, ledger, agreement = report["batch"], report["ledger"], report["agreement"]
    ledger_html = (
        f'<span class="ok">审查台账哈希链完整（决定记录 {ledger["rows"]} 条）</span>'
        if ledger["ok"]
        else f'<span class="bad">审查台账哈希链校验失败：{_e(ledger["problem"])}</span>'
    )
    overrides = "".join(
        f"<tr><td>{o['seq']}</td><td>{_e(o['title'] or o['file'])}</td><td>{_e(o['model'])}</td><td>{_e(o['advisor'])}</td><td>{_e(o['reviewer'])}</td><td>{_e(o['reason'])}</td></tr>"
        for o in report["overrides"]
    )
    reviewers = "".join(
        f"<tr><td>{_e(r['reviewer'])}</td><td>{r['decisions']}</td><td>{r['undos']}</td><td>{r['overrides']}</td><td>{_e(r['first'])}</td><td>{_e(r['last'])}</td></tr>"
        for r in report["reviewers"]
    )
    agreement_text = (
        f"已审核 {agreement['documents']} 份，模型与顾问一致 {agreement['agreement']:.1%}。"
        if agreement["documents"]
        else ""
    )
    options = "".join(f'<option value="{lab}">{_e(LABEL_NAMES[lab])}</option>' for lab in LABELS)
    card = json.dumps(report["model"]["card"], ensure_ascii=False, indent=2)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(report["title"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<h1>{_e(report["title"])}</h1>
<p class="meta"><span>批次：{_e(batch["id"])}</span><span>评估基准日：{_e(report["as_of"])}</span><span>模型版本：{_e(batch["model_version"])}</span><span>生成时间：{_e(report["generated_at"])}</span></p>
<p class="summary">{_e(report["summary"])}</p>
<p>{ledger_html}</p>
<h2>统计</h2>
<div class="charts"><div><h3>最终结论</h3>{_bar_chart(report["counts"])}</div>
<div><h3>模型与顾问的一致性</h3>{_confusion_chart(agreement)}<p>{_e(agreement_text)}</p></div></div>
<h2>逐件结果</h2>
<div class="controls"><input id="q" type="search" placeholder="搜索标题、文号、发文机关、理由…" oninput="filterRows()" aria-label="搜索">
<select id="lab" onchange="filterRows()" aria-label="按结论筛选"><option value="">全部结论</option>{options}</select>
<select id="src" onchange="filterRows()" aria-label="按来源筛选"><option value="">全部来源</option><option value="法律顾问已审核">法律顾问已审核</option><option value="模型初判（待审核）">模型初判（待审核）</option></select>
<span>显示 <b id="shown">{len(report["files"])}</b> / {len(report["files"])} 份</span></div>
<table id="files"><thead><tr><th>序号</th><th>文件</th><th>标题</th><th>文号</th><th>发文机关</th><th>成文日期</th><th>最终结论</th><th>模型结论（概率）与依据</th><th>顾问决定</th><th>废止理由与风险提示</th><th>状态</th></tr></thead>
<tbody>{_file_rows(report)}</tbody></table>
{_catalogue("继续有效的规范性文件目录", report["catalogues"]["continuing"], report["catalogue_notes"]["continuing"])}
{_catalogue("建议废止的规范性文件目录", report["catalogues"]["repeal"], report["catalogue_notes"]["repeal"])}
<h2>顾问改判的文件</h2>
{"<table><thead><tr><th>序号</th><th>文件</th><th>模型结论</th><th>顾问决定</th><th>审查人</th><th>理由</th></tr></thead><tbody>" + overrides + "</tbody></table>" if overrides else "<p>（无）</p>"}
<h2>审查人统计</h2>
{"<table><thead><tr><th>审查人</th><th>决定</th><th>撤销</th><th>改判模型</th><th>首次</th><th>最近</th></tr></thead><tbody>" + reviewers + "</tbody></table>" if reviewers else "<p>（尚无审查决定）</p>"}
<h2>模型卡</h2><details><summary>模型 {_e(batch["model_version"])} 的训练数据、参数与交叉验证指标</summary><pre>{_e(card)}</pre></details>
<script>{SCRIPT}</script>
</body></html>
"""


def write_html(report: dict[str, Any], path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")
