"""The one place the table schema of a pbkit dataset is defined.

A dataset has six tables (``orgs``, ``people``, ``households``, ``pairings``,
``activities``, ``visits``). Each :class:`Column` says its canonical English name, its
Chinese name, the header aliases a spreadsheet export may use, its kind, whether it is
required, its allowed values and what it references. Readers, the validator, the
anonymiser, the synthetic generator and ``datasets/README.md`` all read this table;
nothing else in the code base hard-codes a column list.

Column kinds and the pandas dtype a loaded :class:`~pbkit.data.dataset.Dataset` uses:

============  ===================================  ==========================
kind          meaning                              dtype after loading
============  ===================================  ==========================
``id``        pseudonymous identifier              ``str``
``ref``       identifier of a row in another table ``str``
``str``       free text or a code                  ``str``
``enum``      one value from ``values``            ``str`` (canonical code)
``multi``     several values from ``values``       ``object`` (tuple of codes)
``tags``      several free tags                    ``object`` (tuple of str)
``int``       whole number                         ``Int64``
``float``     real number                          ``float64``
``bool``      yes/no                               ``boolean``
``date``      calendar date                        ``datetime64[ns]``
============  ===================================  ==========================

>>> TABLES["people"].column("gender").values
('male', 'female')
>>> TABLES["people"].resolve_header("性别")
'gender'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "TABLE_ORDER",
    "ENUM_LABELS",
    "KINDS",
    "QUASI_IDENTIFIERS",
    "PUBLIC_OFFICES",
    "OFFICE_POLICIES",
    "MULTI_SEPARATORS",
    "PANDAS_DTYPES",
]

KINDS = ("id", "ref", "str", "enum", "multi", "tags", "int", "float", "bool", "date")

PANDAS_DTYPES = {
    "id": "str",
    "ref": "str",
    "str": "str",
    "enum": "str",
    "multi": "object",
    "tags": "object",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}

# Separators accepted between several values in one cell ("secretary;member", "党员、书记").
MULTI_SEPARATORS = (";", "；", ",", "，", "、", "|", "/")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name : str
        Canonical English column name.
    zh : str
        Chinese column name (also accepted as a header).
    kind : str
        One of :data:`KINDS`.
    required : bool
        Whether the column must be present in every file of the table.
    values : tuple of str
        Allowed codes for ``enum`` and ``multi`` columns.
    ref : str or None
        ``"table.column"`` this column references, for ``ref`` columns; ``None`` where the
        target depends on another column (checked by the validator).
    aliases : tuple of str
        Further header spellings accepted (case, spaces, full-width folded before matching).
    min, max : float or None
        Inclusive bounds for numbers.
    nullable : bool
        Whether an empty cell is allowed in a present column.
    en_desc, zh_desc : str
        Meaning, for the data dictionary.
    """

    name: str
    zh: str
    kind: str
    required: bool = True
    values: tuple[str, ...] = ()
    ref: str | None = None
    aliases: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    nullable: bool = False
    en_desc: str = ""
    zh_desc: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header spelling that maps to this column."""
        return (self.name, self.zh, *self.aliases)


@dataclass(frozen=True)
class Table:
    """A table: its name, Chinese name, primary key and columns."""

    name: str
    zh: str
    key: str
    columns: tuple[Column, ...]
    en_desc: str = ""
    zh_desc: str = ""
    aliases: tuple[str, ...] = ()
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = {}
        for col in self.columns:
            for header in col.headers:
                index[fold_header(header)] = col.name
        self._index.update(index)

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def resolve_header(self, header: str) -> str | None:
        """The canonical column name for a header as written in a file, or ``None``."""
        return self._index.get(fold_header(header))

    def dtypes(self) -> dict[str, str]:
        """Column name -> pandas dtype of a loaded table."""
        return {c.name: PANDAS_DTYPES[c.kind] for c in self.columns}


def fold_header(header: str) -> str:
    """Normalise a header for matching: NFKC (full-width to half-width), case, spacing.

    >>> fold_header("  Person ID ") == fold_header("person_id") == fold_header("ＰＥＲＳＯＮ＿ＩＤ")
    True
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    for ch in (" ", "-", "\u3000", "\t"):
        text = text.replace(ch, "_")
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")


ORG_LEVELS = ("province", "city", "county", "township", "village", "community", "enterprise",
              "school", "organ")
INCOME_BANDS = ("none", "under_50k", "50k_100k", "100k_500k", "over_500k")
ROLES = ("secretary", "deputy_secretary", "committee_member", "member", "probationary_member",
         "activist", "first_secretary", "student_official", "township_leader", "agency_cadre")
AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+")
GENDERS = ("male", "female")
EDUCATION = ("primary", "junior_high", "senior_high", "college", "bachelor", "postgraduate")
OCCUPATIONS = ("farmer", "migrant_worker", "business", "cadre", "teacher", "doctor", "retired",
               "student", "worker", "other")
NEEDS = ("elderly_alone", "disabled", "low_income", "left_behind_child", "chronic_illness",
         "other")
MECHANISMS = ("one_on_one", "two_plus_one", "bao_cun", "branch_pair", "study_help")
PAIRING_STATUS = ("active", "ended", "suspended")
ACTIVITY_KINDS = ("general_meeting", "committee_meeting", "group_meeting", "party_lesson",
                  "activity_day", "org_life_meeting", "democratic_appraisal", "volunteer")
VISIT_TOPICS = ("policy", "assistance", "health", "dispute", "employment", "study",
                "org_life", "other")

# Chinese labels of enum codes, accepted on input and used for display.
ENUM_LABELS: dict[str, str] = {
    # org levels
    "province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村",
    "community": "社区", "enterprise": "企业", "school": "学校", "organ": "机关",
    # income bands
    "none": "无", "under_50k": "5万元以下", "50k_100k": "5万至10万元",
    "100k_500k": "10万至50万元", "over_500k": "50万元以上",
    # roles
    "secretary": "书记", "deputy_secretary": "副书记", "committee_member": "委员",
    "member": "党员", "probationary_member": "预备党员", "activist": "入党积极分子",
    "first_secretary": "第一书记", "student_official": "大学生村官",
    "township_leader": "乡镇领导班子成员", "agency_cadre": "机关干部",
    # gender
    "male": "男", "female": "女",
    # education
    "primary": "小学及以下", "junior_high": "初中", "senior_high": "高中/中专",
    "college": "大专", "bachelor": "本科", "postgraduate": "研究生",
    # occupations
    "farmer": "农民", "migrant_worker": "外出务工", "business": "个体经营", "cadre": "干部",
    "teacher": "教师", "doctor": "医生", "retired": "退休", "student": "学生", "worker": "工人",
    "other": "其他",
    # needs
    "elderly_alone": "独居老人", "disabled": "残疾", "low_income": "低收入",
    "left_behind_child": "留守儿童", "chronic_illness": "慢性病",
    # mechanisms
    "one_on_one": "一对一结对帮扶", "two_plus_one": "2+1定向联系", "bao_cun": "包村工作组",
    "branch_pair": "结对共建", "study_help": "骨干带学",
    # pairing status
    "active": "有效", "ended": "已结束", "suspended": "暂停",
    # activity kinds
    "general_meeting": "党员大会", "committee_meeting": "支委会", "group_meeting": "党小组会",
    "party_lesson": "党课", "activity_day": "主题党日", "org_life_meeting": "组织生活会",
    "democratic_appraisal": "民主评议党员", "volunteer": "志愿服务",
    # visit topics
    "policy": "政策宣传", "assistance": "帮扶救助", "health": "医疗健康", "dispute": "矛盾调解",
    "employment": "就业增收", "study": "学习教育", "org_life": "组织生活",
}


def _c(name: str, zh: str, kind: str, **kw) -> Column:
    return Column(name=name, zh=zh, kind=kind, **kw)


TABLES: dict[str, Table] = {
    "orgs": Table(
        "orgs", "组织", "org_id",
        (
            _c("org_id", "组织编号", "id", aliases=("组织代码", "单位编号"),
               en_desc="Pseudonymous code of the organisation (branch, village, township...)",
               zh_desc="组织的化名编号"),
            _c("parent_id", "上级组织编号", "ref", ref="orgs.org_id", required=False,
               nullable=True, aliases=("上级编号", "parent"),
               en_desc="org_id of the organisation above (village -> township -> county)",
               zh_desc="上级组织的编号（村→乡镇→县）"),
            _c("level", "层级", "enum", values=ORG_LEVELS, aliases=("组织层级", "类型"),
               en_desc="Administrative level or kind of organisation", zh_desc="组织层级或类型"),
            _c("name_code", "名称代码", "str", required=False, nullable=True,
               aliases=("代号",), en_desc="Display code instead of a real name, e.g. V03",
               zh_desc="代替真实名称的显示代码，如 V03"),
            _c("households", "户数", "int", required=False, nullable=True, min=0,
               en_desc="Resident households (villages and communities)", zh_desc="常住户数"),
            _c("population", "人口", "int", required=False, nullable=True, min=0,
               aliases=("人口数",), en_desc="Resident population", zh_desc="常住人口"),
            _c("collective_income", "集体经济收入", "enum", values=INCOME_BANDS, required=False,
               nullable=True, aliases=("collective_income_band", "集体收入档次"),
               en_desc="Band of yearly village collective income (no money for activities "
                       "is a recurring problem)",
               zh_desc="村集体经济年收入档次"),
            _c("x_km", "横坐标公里", "float", required=False, nullable=True,
               aliases=("x", "东西坐标"), en_desc="Approximate grid position east, km",
               zh_desc="近似网格位置（东向，公里）"),
            _c("y_km", "纵坐标公里", "float", required=False, nullable=True,
               aliases=("y", "南北坐标"), en_desc="Approximate grid position north, km",
               zh_desc="近似网格位置（北向，公里）"),
            _c("weak_lax", "软弱涣散", "bool", required=False, nullable=True,
               aliases=("软弱涣散党组织", "weak_lax_flag"),
               en_desc="Flagged as a weak and lax branch for rectification",
               zh_desc="是否被列为软弱涣散党组织"),
        ),
        en_desc="Organisations: county, townships, villages, communities, enterprise, school "
                "and organ branches",
        zh_desc="组织：县、乡镇、村、社区、企业、学校、机关党组织",
        aliases=("组织", "organisations", "organizations"),
    ),
    "people": Table(
        "people", "人员", "person_id",
        (
            _c("person_id", "人员编号", "id", aliases=("党员编号", "编号"),
               en_desc="Pseudonymous identifier of a member or cadre",
               zh_desc="党员或干部的化名编号"),
            _c("org_id", "所在组织编号", "ref", ref="orgs.org_id", aliases=("所在组织", "组织编号"),
               en_desc="Branch or organisation the person belongs to", zh_desc="所属组织"),
            _c("roles", "角色", "multi", values=ROLES, aliases=("职务", "身份"),
               en_desc="One or more roles, separated by ; or 、", zh_desc="一个或多个角色，用 ; 或 、 分隔"),
            _c("birth_year", "出生年份", "int", required=False, nullable=True, min=1900,
               aliases=("出生年",), en_desc="Year of birth (or give age_band)",
               zh_desc="出生年份（或填写年龄段）"),
            _c("age_band", "年龄段", "enum", values=AGE_BANDS, required=False, nullable=True,
               en_desc="Age band, when the birth year is generalised", zh_desc="年龄段"),
            _c("gender", "性别", "enum", values=GENDERS, en_desc="Gender", zh_desc="性别"),
            _c("education", "学历", "enum", values=EDUCATION, aliases=("文化程度",),
               en_desc="Highest education", zh_desc="最高学历"),
            _c("occupation", "职业", "enum", values=OCCUPATIONS, required=False, nullable=True,
               en_desc="Occupation", zh_desc="职业"),
            _c("migrant", "流动党员", "bool", required=False, nullable=True,
               aliases=("是否流动党员", "外出"), en_desc="Works away from home (migrant_member)",
               zh_desc="是否流动党员（外出务工经商）"),
            _c("destination", "流入地", "str", required=False, nullable=True,
               aliases=("外出地区", "destination_region"),
               en_desc="Region a migrant member works in (province level)",
               zh_desc="流动党员外出所在地区（省级）"),
            _c("join_year", "入党年份", "int", required=False, nullable=True, min=1921,
               aliases=("入党年",), en_desc="Year the person joined the party (empty for "
                                             "activists and non-members)",
               zh_desc="入党年份（积极分子或非党员为空）"),
            _c("role_since", "任职年份", "int", required=False, nullable=True, min=1949,
               en_desc="Year the current leading role began; tells a newly appointed "
                       "secretary from an experienced one (two_plus_one)",
               zh_desc="现任主要职务的起始年份，用于区分新任与有经验的书记（2+1帮带）"),
            _c("skills", "特长", "tags", required=False, nullable=True,
               aliases=("技能", "skills_tags"),
               en_desc="Skill tags (medical, agriculture, legal, elder_care, tutoring...) "
                       "matched to household needs by the planner",
               zh_desc="特长标签（医疗、农技、法律、养老照护、辅导等），规划时与需求匹配"),
            _c("capacity", "帮扶容量", "int", required=False, nullable=True, min=0, max=50,
               aliases=("最多结对户数",),
               en_desc="Most one-on-one pairs this person can carry", zh_desc="最多可结对帮扶户数"),
            _c("last_contact", "最近联系日期", "date", required=False, nullable=True,
               en_desc="Date of the last quarterly report or contact with the branch "
                       "(migrant-member contact rule)",
               zh_desc="最近一次思想汇报或与支部联系的日期（流动党员管理）"),
            _c("dues_paid_until", "党费缴至", "date", required=False, nullable=True,
               en_desc="Month up to which dues are paid (six months unpaid is a warning)",
               zh_desc="党费缴纳截至月份（连续六个月未缴需提醒）"),
        ),
        en_desc="Party members, activists and cadres (pseudonymous)",
        zh_desc="党员、积极分子和干部（化名）",
        aliases=("人员", "党员", "members"),
    ),
    "households": Table(
        "households", "困难户", "household_id",
        (
            _c("household_id", "户编号", "id", aliases=("困难户编号",),
               en_desc="Pseudonymous identifier of a needy household", zh_desc="困难户化名编号"),
            _c("org_id", "所在村编号", "ref", ref="orgs.org_id", aliases=("所在组织编号", "所在村"),
               en_desc="Village or community the household lives in", zh_desc="所在村或社区"),
            _c("needs", "困难类型", "multi", values=NEEDS, aliases=("需求",),
               en_desc="One or more kinds of need", zh_desc="一种或多种困难类型"),
            _c("size", "家庭人口", "int", required=False, nullable=True, min=1, max=30,
               aliases=("人口数",), en_desc="Household size", zh_desc="家庭人口数"),
            _c("x_km", "横坐标公里", "float", required=False, nullable=True, aliases=("x",),
               en_desc="Approximate grid position east, km", zh_desc="近似网格位置（东向，公里）"),
            _c("y_km", "纵坐标公里", "float", required=False, nullable=True, aliases=("y",),
               en_desc="Approximate grid position north, km", zh_desc="近似网格位置（北向，公里）"),
        ),
        en_desc="Needy households (elderly living alone, disabled, low income, left-behind "
                "children...)",
        zh_desc="困难户（独居老人、残疾、低收入、留守儿童等）",
        aliases=("困难户", "needy_households"),
    ),
    "pairings": Table(
        "pairings", "结对", "pairing_id",
        (
            _c("pairing_id", "结对编号", "id", en_desc="Identifier of one pair or group link",
               zh_desc="结对关系编号"),
            _c("mechanism", "结对机制", "enum", values=MECHANISMS, aliases=("机制",),
               en_desc="one_on_one, two_plus_one, bao_cun, branch_pair or study_help",
               zh_desc="结对机制"),
            _c("group_id", "小组编号", "str", required=False, nullable=True,
               en_desc="Groups the links of one 2+1 group or bao-cun team",
               zh_desc="同一个2+1小组或包村工作组的编号"),
            _c("source_id", "帮扶方编号", "ref", aliases=("帮带人编号", "source"),
               en_desc="Helper, mentor, team member (person_id) or advanced branch (org_id)",
               zh_desc="帮扶人、帮带人、工作组成员（人员编号）或先进支部（组织编号）"),
            _c("target_id", "对象编号", "ref", aliases=("被帮扶方编号", "target"),
               en_desc="Household (one_on_one), person (two_plus_one, study_help) or org "
                       "(bao_cun village, branch_pair weak branch)",
               zh_desc="帮扶对象：困难户、人员或组织"),
            _c("role", "角色", "str", required=False, nullable=True,
               en_desc="Role in the group (helper, township_mentor, secretary_mentor, "
                       "deputy_leader, agency_cadre, advanced_branch...)",
               zh_desc="在小组中的角色"),
            _c("start", "开始日期", "date", required=False, nullable=True, aliases=("start_date",),
               en_desc="Start date", zh_desc="开始日期"),
            _c("end", "结束日期", "date", required=False, nullable=True, aliases=("end_date",),
               en_desc="End date (empty while active)", zh_desc="结束日期（进行中为空）"),
            _c("status", "状态", "enum", values=PAIRING_STATUS, required=False, nullable=True,
               en_desc="active, ended or suspended (empty means active)",
               zh_desc="有效、已结束或暂停（空表示有效）"),
        ),
        en_desc="Pairing links of every mechanism", zh_desc="各类结对关系",
        aliases=("结对", "结对关系", "pairs"),
    ),
    "activities": Table(
        "activities", "组织生活", "activity_id",
        (
            _c("activity_id", "活动编号", "id", en_desc="Identifier of a meeting or activity",
               zh_desc="会议或活动编号"),
            _c("org_id", "组织编号", "ref", ref="orgs.org_id", aliases=("支部编号",),
               en_desc="Branch that held it", zh_desc="举办的支部"),
            _c("kind", "类型", "enum", values=ACTIVITY_KINDS, aliases=("活动类型", "会议类型"),
               en_desc="Kind of meeting or activity", zh_desc="会议或活动类型"),
            _c("date", "日期", "date", aliases=("活动日期", "召开日期"), en_desc="Date held",
               zh_desc="召开日期"),
            _c("expected", "应到人数", "int", min=0, aliases=("应到",),
               en_desc="Members expected", zh_desc="应到人数"),
            _c("attended", "实到人数", "int", min=0, aliases=("实到",),
               en_desc="Members who attended", zh_desc="实到人数"),
        ),
        en_desc="Meetings and activities (three meetings and one lesson, activity days...)",
        zh_desc="组织生活记录（三会一课、主题党日等）",
        aliases=("组织生活", "活动", "meetings"),
    ),
    "visits": Table(
        "visits", "走访", "visit_id",
        (
            _c("visit_id", "走访编号", "id", en_desc="Identifier of a visit", zh_desc="走访编号"),
            _c("person_id", "走访人编号", "ref", ref="people.person_id",
               en_desc="Who visited", zh_desc="走访人"),
            _c("target_id", "走访对象编号", "ref", aliases=("对象编号",),
               en_desc="Household (household_id) or organisation (org_id) visited",
               zh_desc="走访对象：困难户或组织"),
            _c("date", "日期", "date", aliases=("走访日期",), en_desc="Date of the visit",
               zh_desc="走访日期"),
            _c("topic", "事由", "enum", values=VISIT_TOPICS, required=False, nullable=True,
               aliases=("走访事由",), en_desc="Topic of the visit", zh_desc="走访事由"),
            _c("problem_solved", "问题解决", "bool", required=False, nullable=True,
               aliases=("是否解决",), en_desc="Whether a problem raised was solved",
               zh_desc="反映的问题是否解决"),
        ),
        en_desc="Visits to households and villages", zh_desc="入户和下村走访",
        aliases=("走访", "走访记录"),
    ),
}

TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

# Quasi-identifiers for k-anonymity (people table): every published column a neighbour,
# a colleague or a public record could know about a person, so that a combination of them
# can single the person out. Generalised or suppressed by anonymize, measured by the
# privacy check. Why each:
# - org_id, gender, age_band (and birth_year, when a dataset publishes it): visible to
#   anyone in the village;
# - education, occupation: known locally (the teacher, the doctor, the shopkeeper);
# - roles: public by design (the village has one secretary: roles x org_id alone names him);
# - join_year, role_since: on membership records and honours (50-year members), and in
#   public notices of appointments;
# - migrant, destination: neighbours know who works away and where;
# - skills: the "medical" tag names the village doctor even when occupation is coarsened.
# Not quasi-identifiers: person_id (a keyed-hash pseudonym), capacity, last_contact and
# dues_paid_until (internal branch records an outsider does not see; they are what the
# analyses study).
QUASI_IDENTIFIERS: tuple[str, ...] = (
    "age_band", "gender", "education", "occupation", "org_id", "roles", "join_year",
    "role_since", "migrant", "destination", "skills", "birth_year")

# Offices whose holders everyone in their organisation knows by the office itself: the
# branch secretary, deputies and committee members (elected and announced to the
# members), the first secretary and the student official (appointed and introduced to the
# village), township leaders and agency cadres (named in the township's own notices).
# ``roles`` x ``org_id`` names each of them whatever else is blurred, and the pairing and
# health analyses study exactly these offices. Policy ``offices="public"`` (the default of
# anonymize and of the privacy check) publishes them as offices and measures k over every
# other person; ``offices="protect"`` measures k over everyone, recording an office holder
# as a member where needed (see pbkit.data.privacy).
PUBLIC_OFFICES: tuple[str, ...] = (
    "secretary", "deputy_secretary", "committee_member", "first_secretary",
    "student_official", "township_leader", "agency_cadre")
OFFICE_POLICIES: tuple[str, ...] = ("public", "protect")
