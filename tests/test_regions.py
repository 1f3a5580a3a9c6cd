"""Places in four languages (and Russian), inflected forms and postcodes, mapped to regions."""

from __future__ import annotations

import pytest

PLACES = [
    # text, region, province
    ("У Генті", "flanders", "east_flanders"),
    ("в Антверпені", "flanders", "antwerp"),
    ("у Льєжі", "wallonia", "liege"),
    ("в Брюсселі", "brussels", None),
    ("живу в Мехелені", "flanders", "antwerp"),
    ("ми в Намюрі", "wallonia", "namur"),
    ("Шарлеруа", "wallonia", "hainaut"),
    ("у Фландрії", "flanders", None),
    ("у Валлонії", "wallonia", None),
    ("в Західній Фландрії", "flanders", "west_flanders"),
    ("в Генте", "flanders", "east_flanders"),  # Russian
    ("в Льеже", "wallonia", "liege"),  # Russian
    ("I live in Ghent", "flanders", "east_flanders"),
    ("we moved to Bruges", "flanders", "west_flanders"),
    ("Antwerp", "flanders", "antwerp"),
    ("nous habitons à Liège", "wallonia", "liege"),
    ("j'habite a Liege", "wallonia", "liege"),
    ("à Gand", "flanders", "east_flanders"),
    ("je vis à Mons", "wallonia", "hainaut"),
    ("Bergen", "wallonia", "hainaut"),
    ("ik woon in Luik", "wallonia", "liege"),
    ("ik woon in Sint-Niklaas", "flanders", "east_flanders"),
    ("sint niklaas", "flanders", "east_flanders"),
    ("Leuven", "flanders", "flemish_brabant"),
    ("Louvain-la-Neuve", "wallonia", "walloon_brabant"),
    ("Waals-Brabant", "wallonia", "walloon_brabant"),
    ("Brabant wallon", "wallonia", "walloon_brabant"),
    ("province de Hainaut", "wallonia", "hainaut"),
    ("Vlaanderen", "flanders", None),
    ("Wallonie", "wallonia", None),
    ("Schaerbeek", "brussels", None),
    ("Schaarbeek", "brussels", None),
    ("Elsene", "brussels", None),
    ("Ixelles", "brussels", None),
    ("Molenbeek", "brussels", None),
    ("Sint-Jans-Molenbeek", "brussels", None),
    ("Watermael-Boitsfort", "brussels", None),
    ("Uccle", "brussels", None),
    ("Hasselt", "flanders", "limburg"),
    ("Namur", "wallonia", "namur"),
    ("Arlon", "wallonia", "luxembourg"),
    # Postcodes map to provinces by range.
    ("9000", "flanders", "east_flanders"),
    ("1000", "brussels", None),
    ("B-4000", "wallonia", "liege"),
    ("postcode 2000", "flanders", "antwerp"),
    ("1300 Wavre", "wallonia", "walloon_brabant"),
    ("code postal 6000", "wallonia", "hainaut"),
    ("3500", "flanders", "limburg"),
    ("8400 Oostende", "flanders", "west_flanders"),
    ("6700", "wallonia", "luxembourg"),
    ("5000", "wallonia", "namur"),
    # The last place named wins: a move.
    ("we moved from Antwerp to Liège", "wallonia", "liege"),
]


@pytest.mark.parametrize("text,region,province", PLACES)
def test_places_map_to_regions(gazetteer, text: str, region: str, province) -> None:
    place = gazetteer.resolve(text)
    assert place is not None, text
    assert (place.region, place.province) == (region, province)


@pytest.mark.parametrize(
    "text",
    [
        "since 2022 we have nothing",  # a year is not a postcode
        "I paid 2000 euro",
        "9000 грн",
        "de deur is geel",  # Geel is a municipality, but here it is yellow
        "I need a spa",
        "hello",
        "",
        "агент",  # contains "гент" but is another word
        "Gentle people",
    ],
)
def test_no_place_where_there_is_none(gazetteer, text: str) -> None:
    assert gazetteer.resolve(text) is None


def test_ambiguous_names_count_after_a_preposition_or_alone(gazetteer) -> None:
    assert gazetteer.resolve("ik woon nu in Geel met mijn kinderen").province == "antwerp"
    assert gazetteer.resolve("Geel").province == "antwerp"
    assert gazetteer.resolve("Liège is where we live").province == "liege"  # only "Luik" is ambiguous


def test_a_postcode_outside_its_province_range(gazetteer) -> None:
    assert gazetteer.resolve("2070").province == "east_flanders"  # Zwijndrecht, since 2025


def test_gazetteer_covers_brussels_and_the_largest_municipalities(gazetteer) -> None:
    ids = gazetteer.region_name_places()
    municipalities = [i for i in ids if ":" not in i]
    assert len(municipalities) >= 119
    assert {"region:flanders", "region:wallonia", "region:brussels"} <= set(ids)
    assert len([i for i in ids if i.startswith("province:")]) == 10
