"""Search quality on staff queries in four languages: the expected fact is among the first three."""

from __future__ import annotations

import pytest

from bot.retrieval import alternatives, coarse
from bot.staff.search import FactIndex, TopicPrior, stale_facts


@pytest.fixture(scope="module")
def index(project_knowledge):
    return FactIndex(project_knowledge, TopicPrior.from_training_data())


QUERIES = [
    # (query, a fact that must be in the top 3)
    ("how many Ukrainians in Belgium", "statistics.national_register.belgium"),
    ("hoeveel Oekraïners in België", "statistics.national_register.belgium"),
    ("combien d'Ukrainiens en Belgique", "statistics.national_register.belgium"),
    ("скільки українців у Бельгії", "statistics.national_register.belgium"),
    ("end date temporary protection", "tp.duration.current"),
    ("tot wanneer tijdelijke bescherming", "tp.duration.current"),
    ("jusqu'à quand la protection temporaire", "tp.duration.current"),
    ("коли закінчується тимчасовий захист", "tp.duration.current"),
    ("nooddorp Gent", "housing.flanders.ghent_village"),
    ("village d'urgence Gand", "housing.flanders.ghent_village"),
    ("тимчасове селище Гент", "housing.flanders.ghent_village"),
    ("emergency village Ghent", "housing.flanders.ghent_village"),
    # What to do (guidance) and how many (statistics): both kinds stay findable.
    ("Actiris werkzoekenden", "guide.work.brussels.actiris_register"),
    ("demandeurs d'emploi Actiris", "work.brussels.actiris_job_seekers"),
    ("comment s'inscrire chez Actiris comme demandeur d'emploi", "guide.work.brussels.actiris_register"),
    ("шукачі роботи Actiris Брюссель", "guide.work.brussels.actiris_register"),
    ("hoeveel werkzoekenden bij Actiris", "work.brussels.actiris_job_seekers"),
    ("скільки шукачів роботи в Actiris", "work.brussels.actiris_job_seekers"),
    ("VDAB", "guide.work.flanders.vdab_register"),
    ("aantal inschrijvingen VDAB", "work.flanders.vdab_registrations"),
    ("cours de français Bruxelles", "guide.language_courses.brussels.bapa_reception_path"),
    ("cours de langue suivis chez Actiris", "lang.brussels.actiris_languages"),
    ("Nederlands leren Vlaanderen", "guide.language_courses.flanders.sign_up_dutch"),
    ("вивчити нідерландську", "guide.language_courses.flanders.sign_up_dutch"),
    ("скільки людей вивчають нідерландську", "lang.flanders.nt2_participants"),
    ("welcome module NT2", "lang.flanders.nt2_participants"),
    ("pleegzorg niet-begeleide minderjarigen", "psy.flanders.foster_care"),
    ("foster care unaccompanied minors", "psy.flanders.foster_care"),
    ("school Luik leerlingen", "school.wallonia.pupils.liege"),
    ("школа Льєж", "school.wallonia.pupils.liege"),
    ("élèves province de Liège", "school.wallonia.pupils.liege"),
    ("community centre Brussels", "community.brussels.community_centre"),
    ("Handelsstraat 44", "community.brussels.community_centre"),
    ("registratiecentrum", "registration.centre.current"),
    ("centre d'enregistrement Victor Horta", "registration.centre.current"),
    ("Statbel statistics", "tp.statistics.statbel"),
    ("статистика Statbel", "tp.statistics.statbel"),
    ("statistiques Statbel", "tp.statistics.statbel"),
    ("refusals certificates", "tp.certificates.refusals"),
    ("відмови у видачі посвідчень", "tp.certificates.refusals"),
    ("TBC screening vaccinatie", "health.flanders.preventive_care"),
    ("burn patients military hospital", "health.belgium.burn_patients"),
]


@pytest.mark.parametrize("query,expected", QUERIES)
def test_staff_queries_find_the_fact(project_knowledge, index, query: str, expected: str) -> None:
    assert expected in project_knowledge.by_id, f"fixture names an unknown fact {expected}"
    top = [hit.fact.id for hit in index.search(query, limit=3)]
    assert expected in top, f"{query!r} -> {top}"


def test_a_ukrainian_verb_with_a_prefix_finds_the_registration_facts(index) -> None:
    # Several facts answer "where do I register" (the registration centre, the municipality, the
    # order of the steps); what matters is that the prefixed verb reaches them, not which one is first.
    top = index.search("де зареєструватися", limit=3)
    assert top and "registration" in top[0].fact.topics, [h.fact.id for h in top]
    assert sum("registration" in h.fact.topics for h in top) >= 2, [h.fact.id for h in top]


def test_a_query_in_ukrainian_finds_the_same_facts_as_in_dutch(index) -> None:
    uk = {h.fact.id for h in index.search("житло у Фландрії, тимчасові селища", limit=5)}
    nl = {h.fact.id for h in index.search("huisvesting in Vlaanderen, nooddorpen", limit=5)}
    assert len(uk & nl) >= 3, (uk, nl)


def test_filters_by_topic_and_region(index) -> None:
    hits = index.search("", topic="schooling", region="wallonia", limit=50)
    assert hits and all(h.fact.topic == "schooling" and h.fact.region == "wallonia" for h in hits)


def test_replaced_facts_come_after_current_ones(index) -> None:
    hits = index.search("tijdelijke bescherming verlengd tot maart", topic="protection_duration", limit=10)
    ids = [h.fact.id for h in hits]
    assert ids.index("tp.duration.current") < ids.index("tp.duration.extension_2026")
    assert "tp.duration.extension_2026" not in [h.fact.id for h in index.search("verlengd", include_history=False)]


def test_inflected_and_derived_forms_meet() -> None:
    assert set(alternatives("Антверпені")) & set(alternatives("Антверпен"))
    assert set(alternatives("учнів")) & set(alternatives("учні"))
    assert set(alternatives("logements")) & set(alternatives("logement"))
    assert set(alternatives("École")) & set(alternatives("ecole"))
    assert coarse("зареєструватися") == coarse("реєстрація")
    assert coarse("register") == coarse("registration")


def test_stale_report(project_knowledge) -> None:
    import datetime as dt

    old = stale_facts(project_knowledge, max_age_days=600, today=dt.date(2026, 11, 29))
    ids = [f.id for f in old]
    assert "statistics.national_register.belgium" in ids
    assert "tp.duration.current" not in ids  # 13 June 2025: 534 days before 29 Nov 2026
    assert all(f.current for f in old)
    assert [f.as_of.date for f in old] == sorted(f.as_of.date for f in old)
