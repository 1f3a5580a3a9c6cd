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
    # No region in the staff search: each region's page on where to learn Dutch answers.
    ("вивчити нідерландську", ("guide.language_courses.flanders.sign_up_dutch", "guide.language_courses.flanders.where_to_learn",
                               "guide.language_courses.brussels.learn_dutch")),
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
def test_staff_queries_find_the_fact(project_knowledge, index, query: str, expected) -> None:
    accepted = (expected,) if isinstance(expected, str) else expected
    assert all(e in project_knowledge.by_id for e in accepted), f"fixture names an unknown fact {accepted}"
    top = [hit.fact.id for hit in index.search(query, limit=3)]
    assert set(accepted) & set(top), f"{query!r} -> {top}"


GUIDANCE_FIRST = [
    # How/where questions: what to do comes before figures, as in the assistant's answers.
    ("how do I register as a job seeker in Brussels", "work"),
    ("where can I find a GP", "health"),
    ("waar kan ik Nederlands leren", "language_courses"),
    ("hoe vraag ik kinderbijslag aan", "money"),
    ("comment inscrire mon enfant à l'école", "schooling"),
    ("que faire quand la famille d'accueil arrête", "housing"),
    ("де отримати психологічну допомогу", "psychological_support"),
]


@pytest.mark.parametrize("query,topic", GUIDANCE_FIRST)
def test_how_and_where_questions_find_guidance_first(index, query: str, topic: str) -> None:
    top = index.search(query, limit=3)
    assert top and top[0].fact.is_guidance and topic in top[0].fact.topics, [h.fact.id for h in top]


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

    from bot.staff.verified import Verification

    # Based on the last verification (not on the data's date): never verified, or more than 180
    # days before; guidance facts first.
    day = dt.date(2027, 6, 1)
    expected = {
        f.id for f in project_knowledge.facts
        if f.current and (f.last_verified is None or (day - f.last_verified).days > 180)
    }
    old = stale_facts(project_knowledge, max_age_days=180, today=day)
    ids = [f.id for f in old]
    assert ids and set(ids) == expected and len(ids) == len(expected)
    kinds = [f.is_guidance for f in old]
    assert kinds == sorted(kinds, reverse=True)
    assert not stale_facts(project_knowledge, max_age_days=180, today=dt.date(2026, 12, 1)) or any(
        f.last_verified is None for f in project_knowledge.facts if f.current
    )
    # A verification recorded on the staff page takes the fact off the report.
    first = ids[0]
    recorded = {first: Verification(first, dt.date(2027, 5, 1), "Olena")}
    assert first not in [f.id for f in stale_facts(project_knowledge, 180, today=day, recorded=recorded)]
