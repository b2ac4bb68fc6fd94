"""Each handler of the rules' number reading on its own: given one number, what it claims it
is (or PASS to the next handler). Texts are invented for the tests."""

from __future__ import annotations

from decimal import Decimal

from extractor.rules import NUMBER_READINGS
from extractor.rules.changes import read_change
from extractor.rules.draft import Attach, Draft, Segment
from extractor.rules.grades import read_grade
from extractor.rules.ranks import read_rank
from extractor.rules.reading import PASS, Reading
from extractor.rules.text import DocText
from extractor.rules.values import read_previous, read_value
from extractor.schemas import Change, ReportMeta

META = ReportMeta(period="2024")


def reading(text: str, nth: int, before: list[tuple[int, str]] = (), upto: str = "") -> Reading:
    """The ``nth`` number of ``text`` (counting the numbers a reader reads), with the numbers in
    ``before`` (index, subject) already read as values of that subject; the last one's quote
    runs to the end of ``upto`` when given (a count that took the noun after it)."""
    doc = DocText(text, META)
    live = [m for m in doc.mentions if not m.masked]
    m = live[nth]
    start, end = next(s for s in doc.segments(0, len(text)) if s[0] <= m.num_start < s[1])
    seg = Segment(start, end)
    for k, subject in before:
        k_m = live[k]
        end = text.index(upto) + len(upto) if upto else k_m.end
        seg.drafts.append(Draft(k_m, subject, k_m.start, end, k_m.unit, value=k_m.value))
    # a class named inside a subject (Ⅰ～Ⅲ类水质断面) is no boundary for the next number
    ends = [live[k].end for k in range(nth) if live[k].end > start and live[k].kind != "grade"]
    prev_end = max([start, *ends])
    tail = max(doc.clause_start(start, m.start), prev_end)
    return Reading(doc, seg, m, doc.simp[tail : m.start], tail, doc.sentence_period(start, m.start))


def test_the_handlers_are_tried_in_this_order():
    assert [h.__name__ for h in NUMBER_READINGS] == [
        "read_grade",
        "read_change",
        "read_rank",
        "read_previous",
        "read_value",
    ]


# --- grades ----------------------------------------------------------------------------------


def test_a_grade_stated_is_a_fact_with_its_class_as_value_text():
    made = read_grade(reading("南水北调干渠安阳段水质稳定保持II类。", 0))
    assert isinstance(made, Draft) and made.role == "grade" and made.value_text == "II类"
    assert made.area == "南水北调干渠安阳段"


def test_a_class_named_inside_a_subject_is_no_fact():
    assert read_grade(reading("全市I-III类水质比例100%。", 0)) is None


def test_a_number_that_is_no_grade_passes():
    assert read_grade(reading("全年优良天数226天。", 0)) is PASS


# --- changes ---------------------------------------------------------------------------------


def test_a_change_qualifies_the_fact_before_it():
    r = reading("全年优良天数226天，同比增加14天。", 1, before=[(0, "优良天数")])
    made = read_change(r)
    assert isinstance(made, Draft) and made.role == "change" and made.attach is not None
    assert made.attach.owner is r.seg.drafts[0]
    assert made.attach.change == Change(basis="同比", value=14, unit="天")
    assert r.seg.drafts[0].change is None  # the owner is not rewritten: the segment attaches it


def test_a_decrease_is_negative():
    r = reading("空气质量综合指数4.803，同比下降4.4%。", 1, before=[(0, "空气质量综合指数")])
    made = read_change(r)
    assert isinstance(made, Draft) and made.attach is not None
    assert made.attach.change == Change(basis="同比", value=-4.4, unit="%")


def test_a_change_with_nothing_to_qualify_is_its_own_fact():
    made = read_change(reading("化肥使用量同比减少2.6%。", 0))
    assert isinstance(made, Draft) and made.role == "value"
    assert made.subject == "化肥使用量降幅" and made.value == Decimal("2.6")
    assert made.change == Change(basis="同比", value=-2.6, unit="%")


def test_an_improvement_with_nothing_to_qualify_passes_to_the_value_reading():
    assert read_change(reading("水质改善到85%。", 0)) is PASS


# --- ranks -----------------------------------------------------------------------------------


def test_a_rank_joins_the_fact_before_it():
    r = reading("PM2.5年均浓度51微克/立方米，改善率全省排名第7。", 1, before=[(0, "PM2.5年均浓度")])
    made = read_rank(r)
    assert isinstance(made, Attach) and made.owner is r.seg.drafts[0]
    assert made.rank is not None
    assert (made.rank.scope, made.rank.position, made.rank.metric) == ("全省", 7, "改善率")


def test_a_rank_with_nothing_to_qualify_is_its_own_fact():
    made = read_rank(reading("PM10浓度排名由年初的全省末位提升到第11位。", 0))
    assert isinstance(made, Draft) and made.role == "rank" and made.value == 11
    assert made.subject == "PM10浓度排名"


def test_a_threshold_names_the_list_it_is_taken_in():
    text = "成功退出全国168个重点城市后30名。"
    r = reading(text, 1, before=[(0, "全国重点城市数")], upto="重点城市")
    made = read_rank(r)
    assert isinstance(made, Draft) and made.subject == "全国重点城市后30名"


# --- previous values -------------------------------------------------------------------------


def test_a_previous_value_is_the_same_subject_a_year_earlier():
    text = "PM2.5浓度为45微克/立方米，同比去年47.7微克/立方米。"
    made = read_previous(reading(text, 1, before=[(0, "PM2.5浓度")]))
    assert isinstance(made, Draft) and made.role == "previous"
    assert (made.subject, made.value, made.period) == ("PM2.5浓度", Decimal("47.7"), "2023")


def test_a_value_in_another_unit_is_no_previous_value():
    text = "PM2.5浓度为45微克/立方米，同比去年减少3天。"
    assert read_previous(reading(text, 1, before=[(0, "PM2.5浓度")])) is PASS


# --- values ----------------------------------------------------------------------------------


def _value(text: str, nth: int = 0, before: list[tuple[int, str]] = ()) -> Draft:
    made = read_value(reading(text, nth, before))
    assert isinstance(made, Draft)
    return made


def test_a_share_names_what_it_is_a_share_of():
    assert _value("Ⅰ～Ⅲ类水质断面占85.7%。", 1).subject == "Ⅰ～Ⅲ类水质断面比例"


def test_a_share_of_a_named_whole_says_of_what():
    made = _value("臭氧超标天数占全年超标天数的40%。")
    assert made.subject == "臭氧超标天数占全年超标天数比例"


def test_a_count_with_nothing_before_it_names_the_noun_after_it():
    assert _value("953个入河排污口溯源完成率100%。").subject == "入河排污口数"


def test_a_frequency_names_the_action_after_it():
    made = _value("先后8次深入县区开展专题调研。")
    assert made.subject == "深入县区开展专题调研"


def test_a_percent_phrase_becomes_a_rate():
    assert _value("医疗废物保持百分百安全收运处置。").subject == "医疗废物安全收运处置率"


def test_a_bare_amount_word_borrows_the_topic_before_it():
    made = _value("秸秆产生量20万吨，利用量18万吨。", 1, before=[(0, "秸秆产生量")])
    assert made.subject == "秸秆利用量"


def test_a_goal_with_a_deadline_is_a_target_for_that_year():
    made = _value("力争到2027年全市PM2.5浓度降至35微克/立方米。")
    assert made.is_target and made.period == "2027"


def test_a_cumulative_figure_has_the_period_cumulative():
    assert _value("累计建成污水管网120公里。").period == "累计"


# --- the segment -----------------------------------------------------------------------------


def test_attachments_are_applied_once_at_the_end_and_never_written_into_the_draft():
    r = reading("全年优良天数226天，同比增加14天。", 1, before=[(0, "优良天数")])
    owner = r.seg.drafts[0]
    change = Change(basis="同比", value=14, unit="天")
    r.seg.attach(Attach(owner, end=r.m.end, change=change))
    assert r.seg.change_of(owner) == change and r.seg.end_of(owner) == r.m.end
    assert owner.change is None and owner.end < r.m.end
    resolved = r.seg.resolved(owner)
    assert resolved.change == change and resolved.end == r.m.end
    assert r.seg.change_owner("天") is None  # it has its change: the next one goes elsewhere
