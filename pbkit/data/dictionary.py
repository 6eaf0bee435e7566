"""The data dictionary, rendered from the one schema (:mod:`pbkit.data.schema`).

``datasets/README.md`` is exactly :func:`render_readme`: a short bilingual introduction,
notes on the refinements made to the starting schema (and why), then one markdown table
per dataset table (column, Chinese header, kind, required, allowed values with Chinese
labels, description in English and Chinese). A test keeps the file in sync; regenerate
it with ``python -m pbkit.data.dictionary --write datasets/README.md``.

>>> text = render_dictionary()
>>> "| person_id | 人员编号 |" in text and "female (女)" in text
True
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pbkit.data.schema import ENUM_LABELS, QUASI_IDENTIFIERS, TABLE_ORDER, TABLES, Column

__all__ = ["KIND_LABELS", "render_table", "render_dictionary", "render_raw_columns",
           "render_readme", "main"]

KIND_LABELS: dict[str, tuple[str, str]] = {
    "id": ("pseudonymous id", "化名编号"),
    "ref": ("reference", "引用编号"),
    "str": ("text", "文本"),
    "enum": ("one code", "单选代码"),
    "multi": ("several codes", "多选代码"),
    "tags": ("free tags", "标签"),
    "int": ("whole number", "整数"),
    "float": ("number", "数值"),
    "bool": ("yes/no", "是/否"),
    "date": ("date", "日期"),
}

_INTRO = """\
# Datasets · 数据集

Every pbkit dataset has the same six tables, defined once in code
(`pbkit/data/schema.py`). This page is generated from that schema
(`python -m pbkit.data.dictionary --write datasets/README.md`); a test fails when it is out
of date.

所有 pbkit 数据集都由同样的六张表组成，表结构只在代码中定义一次
（`pbkit/data/schema.py`）。本页由表结构自动生成，与代码不一致时测试会失败。

## What is here · 目录内容

- `sample-township/` — a synthetic township (12 village-level units of 12 to 50 members
  each, about 500 people, about 300 needy households, one year of meetings, readable
  pseudonyms such as 东山村 in `name_code`), written by
  `pbkit synth --scale township --seed 2025 datasets/sample-township`. No real person is
  in it. 合成的乡镇样例数据（12 个村/社区，每个支部 12 至 50 名党员，约 500 人，约 300 户
  困难户，一年的组织生活记录，`name_code` 为“东山村”一类的化名），由上面的命令生成，
  不含任何真实个人信息。
- Larger scales are generated when needed, never committed · 更大规模的数据按需生成，不提交：
  `pbkit synth --scale county` (1 county, ~18 townships, ~600 villages, ~50k people,
  ~100k needy households, ~250–300k activities; a few seconds) and
  `pbkit synth --scale province` (3 cities, 15 counties, ~760k people, ~1.4M households,
  ~1.2M pairings, ~4.1M activities, ~3M visits; about 600 MB of CSV).
- How province scale behaves · 省级规模: the command generates and writes one county at
  a time, so memory stays near that of one county (peak about 0.5 GB, against about
  3.3 GB when the whole province is built in memory with `synthesize("province")`); it
  took about 4 minutes on a shared 2-core machine, with a progress line per county on
  stderr. Loading the province back in one piece needs several GB of memory; analysing
  it county by county keeps memory low.
  省级数据逐县生成并写出，内存峰值约 0.5 GB；整体读入内存需要数 GB，建议逐县分析。

## Reading and writing · 读写

- Load with `pbkit.load_dataset(path)`: a folder of CSV files (one per table), a `.zip`
  of them, or one `.xlsx` workbook with a sheet per table. Headers may be the English
  names or the Chinese names below (and common aliases); cells may use the codes or the
  Chinese labels. 可以用英文列名或中文列名；单元格可以填代码或中文名称。
- Several values in one cell are separated by `;` (also `；`, `、`, `,`).
  一个单元格中的多个值用分号或顿号分隔。
- Identifiers are pseudonyms, never names. Direct identifiers (names, phone numbers,
  resident ID numbers, addresses) are refused by the loader; turn a raw export into this
  format with `pbkit anonymize RAW OUT --salt-file F` (keyed-hash pseudonyms, age bands,
  org codes, k-anonymity, privacy report). 编号都是化名。含姓名、电话、身份证号、住址的原始表
  请先用 `pbkit anonymize` 处理。

## Conventions of the synthetic data · 合成数据的编号规则

| entity | id | example |
| --- | --- | --- |
| province / city | `R01` / `M01` | province scale only |
| county, county organ branch | `C01`, `C01-G01` | first secretaries come from here |
| township, township organ branch | `T01`, `T01-G01` | township leaders, agency cadres, student officials |
| village / community | `T01-V03` (`T01-V01` is the community at the township seat) | |
| school, enterprise branch | `T01-S01`, `T01-E02` | |
| person, household | `P000123`, `H000045` | |
| pairing, activity, visit | `L000001`, `A000001`, `W000001` | |

At province scale county-level ids carry their county: `C03-T01-V02`. Migrant
destinations are region codes (`guangdong`, `zhejiang`, ..., `in_province`); skill tags
are `medical`, `agriculture`, `legal`, `elder_care`, `tutoring`, `construction`,
`ecommerce`, `accounting`, `policy`. Pairing roles: `helper` (one_on_one),
`township_mentor` / `secretary_mentor` (two_plus_one, target = the mentee),
`deputy_leader` / `agency_cadre` (bao_cun, target = the village org), `advanced_branch` /
`enterprise` / `department` (branch_pair, org to org), `backbone` (study_help).
Reference year 2025: no date is after 2025-12-31.

## Privacy of bundled data · 隐私

Quasi-identifiers: {quasi} — every published people column that a neighbour, a
colleague or a public record could know (the village has one secretary, so `roles` with
`org_id` alone names him; join years are on honours and records; neighbours know who works
away and where). Every bundled dataset must pass the privacy check with k ≥ 5 over all of
them (a test asserts it), and the people table carries `age_band`, never `birth_year`.
`pbkit anonymize` reaches k by year bands (join year, year in role: 5, then 10 years, the
value being the first year of the band), destination in or out of the province, coarse
occupation, education and roles, blanking values of records still in small classes, and
last removing records; the privacy report lists each step. A missing value counts as a
value of its own when classes are formed (a plain `groupby` would drop those rows and
overstate k).
准标识符为上列各列（凡可能被熟人或公开记录识别的人员列）；随附数据须在全部这些列上满足
k ≥ 5（有测试保证）。

## Refinements to the starting schema · 对初始表结构的补充（及原因）

- `people.role_since` (任职年份): the year the current leading role began. The 2+1
  mechanism pairs an *experienced* secretary with a *newly appointed* one; without it the
  two cannot be told apart. 2+1 帮带需要区分有经验的书记与新任书记。
- `people.last_contact` (最近联系日期) and `people.dues_paid_until` (党费缴至): migrant
  members must report quarterly and pay dues; six months without either is a warning.
  Analyses of migrant-member management need the dates, not just the migrant flag.
  流动党员须按季度汇报、按月交党费，六个月未联系或未交费需预警，因此需要日期。
- `people.age_band` (年龄段) beside `birth_year`: the birth year is a strong
  quasi-identifier; anonymised and synthetic data ship the ten-year band (and the
  anonymiser may blank it for records in small classes). 出生年份识别性强，匿名化与合成数据只保留年龄段。
- `people.skills` and `people.capacity`: the planner matches helpers' skills to household
  needs and never gives a helper more pairs than their capacity.
  规划一对一结对时需要匹配特长与需求，并控制每人结对户数。
- `orgs.level` also has `province` and `city`, so a province-scale dataset keeps its
  hierarchy (province → city → county → township → village); `community`, `enterprise`,
  `school` and `organ` cover the non-village branches (weak non-public-enterprise branches
  are one of the reported problems). 省、市两级用于省级规模数据；企业、学校、机关支部单列。
- `pairings.group_id` and `pairings.role`: a 2+1 group or bao-cun team is several links
  that belong together; the role says who is the deputy leader, the mentor, etc.
  一个 2+1 小组或包村工作组由多条结对关系组成，用小组编号和角色表示。

## Data dictionary · 数据字典
"""


def _values(col: Column) -> str:
    if not col.values:
        if col.min is not None or col.max is not None:
            lo = "" if col.min is None else f"{col.min:g}"
            hi = "" if col.max is None else f"{col.max:g}"
            return f"{lo}–{hi}"
        return ""
    return ", ".join(f"{v} ({ENUM_LABELS[v]})" if v in ENUM_LABELS else v for v in col.values)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_table(name: str) -> str:
    """Markdown section for table ``name``.

    >>> render_table("visits").splitlines()[0]
    '### visits · 走访'
    """
    table = TABLES[name]
    lines = [
        f"### {table.name} · {table.zh}",
        "",
        f"{table.en_desc}. {table.zh_desc}。",
        "",
        f"Key · 主键: `{table.key}`. File names accepted · 可用文件名: "
        + ", ".join(f"`{a}`" for a in dict.fromkeys((table.name, table.zh, *table.aliases))),
        "",
        "| column | 中文列名 | kind · 类型 | required · 必填 | allowed values · 取值 "
        "| description | 说明 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for col in table.columns:
        kind_en, kind_zh = KIND_LABELS[col.kind]
        kind = f"{kind_en} · {kind_zh}"
        if col.kind == "ref" and col.ref:
            kind += f" → `{col.ref}`"
        required = "yes · 是" if col.required else "no · 否"
        if col.nullable:
            required += " (may be empty · 可空)"
        lines.append("| " + " | ".join(_cell(x) for x in (
            col.name, col.zh, kind, required, _values(col), col.en_desc, col.zh_desc)) + " |")
    return "\n".join(lines) + "\n"


def render_dictionary() -> str:
    """Markdown data dictionary: one section per table, in schema order."""
    return "\n".join(render_table(name) for name in TABLE_ORDER)


_RAW_ROLE_TEXT = {
    "name": ("name (used only to recognise the person, then dropped)", "姓名（仅用于识别同一人，随后删除）"),
    "id_number": ("resident ID number (key of the pseudonym, dropped)", "身份证号（化名的键，随后删除）"),
    "phone": ("phone number (key when there is no ID number, dropped)", "电话（无身份证号时作键，随后删除）"),
    "code": ("internal code (key when there is no ID or phone, dropped)", "内部编号（无身份证号和电话时作键，随后删除）"),
    "birth_date": ("birth date -> age band", "出生日期 → 年龄段"),
    "age": ("age -> age band", "年龄 → 年龄段"),
    "join_date": ("date of joining -> join_year", "入党时间 → 入党年份"),
    "address": ("address -> village org code (longest known name in it), dropped",
                "住址 → 所在村的组织代码（匹配其中最长的已知名称），随后删除"),
    "township_name": ("township name -> township org code", "乡镇名称 → 乡镇组织代码"),
    "org_name": ("village/branch name -> org code", "村或支部名称 → 组织代码"),
    "parent_name": ("name of the organisation above -> parent_id", "上级组织名称 → 上级组织编号"),
    "target_org_name": ("target village/branch name -> org code", "对象村或支部名称 → 组织代码"),
    "source_org_name": ("source branch name -> org code", "帮扶支部名称 → 组织代码"),
    "group_name": ("group name -> keyed-hash group_id", "小组名称 → 加密小组编号"),
}


def render_raw_columns() -> str:
    """Markdown table of the raw columns ``pbkit anonymize`` accepts (code table
    :data:`pbkit.data.anonymize.RAW_COLUMNS`)."""
    from pbkit.data.anonymize import RAW_COLUMNS

    lines = [
        "## Raw exports for `pbkit anonymize` · 原始导出表可用的列",
        "",
        "Besides the schema columns of the dictionary above, a raw export may carry these",
        "identifying columns (headers in Chinese or English; case, spaces and full-width",
        "characters do not matter). Any other column is dropped and listed in the privacy",
        "report. 除下表各列外，原始表还可包含以下身份信息列；其他未知列一律删除并在隐私报告中列出。",
        "",
        "| table | raw column · 原始列 | becomes · 处理方式 | headers accepted · 可用列名 |",
        "| --- | --- | --- | --- |",
    ]
    for table, roles in RAW_COLUMNS.items():
        for role, spellings in roles.items():
            side, _, base = role.partition("_") if role.startswith(
                ("source_", "target_", "person_")) and role not in (
                "target_org_name", "source_org_name") else ("", "", role)
            en, zh = _RAW_ROLE_TEXT.get(base, (base, base))
            if side:
                en = f"{side}: {en}"
                zh = f"{ {'source': '帮扶方', 'target': '对象', 'person': '走访人'}[side]}：{zh}"
            shown = ", ".join(f"`{s}`" for s in spellings)
            lines.append(f"| {table} | {role} | {_cell(en)} · {_cell(zh)} | {shown} |")
    return "\n".join(lines) + "\n"


def render_readme() -> str:
    """The full text of ``datasets/README.md``."""
    quasi = ", ".join(f"`{q}`" for q in QUASI_IDENTIFIERS)
    return (_INTRO.replace("{quasi}", quasi) + "\n" + render_dictionary() + "\n"
            + render_raw_columns())


def main(argv: list[str] | None = None) -> int:
    """``python -m pbkit.data.dictionary [--write PATH]``: print or write the README."""
    parser = argparse.ArgumentParser(prog="python -m pbkit.data.dictionary")
    parser.add_argument("--write", metavar="PATH", default=None)
    args = parser.parse_args(argv)
    text = render_readme()
    if args.write:
        from pbkit.export import _atomic_target

        path = Path(args.write)
        tmp = _atomic_target(path)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
