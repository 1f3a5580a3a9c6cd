"""Places in four languages (and Russian), inflected forms and postcodes, mapped to regions."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from bot.regions import PLACES_PATH

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
    # Small municipalities, in every language.
    ("Je suis à Dinant, je cherche un logement", "wallonia", "namur"),
    ("We wonen in Diksmuide", "flanders", "west_flanders"),
    ("Я живу в Бастоні", "wallonia", "luxembourg"),
    ("we live in Spa", "wallonia", "liege"),
    ("Ми в Дінані", "wallonia", "namur"),
    ("Мы живём в Динане", "wallonia", "namur"),
    ("I live in Houffalize", "wallonia", "luxembourg"),
    ("Мы живём в Уффализе", "wallonia", "luxembourg"),
    ("J'habite à Ciney avec mes enfants", "wallonia", "namur"),
    ("Marche-en-Famenne", "wallonia", "luxembourg"),
    ("ik woon in Middelkerke", "flanders", "west_flanders"),
    ("Torhout", "flanders", "west_flanders"),
    ("Je vis à Durbuy", "wallonia", "luxembourg"),
    ("nous habitons à Bouillon", "wallonia", "luxembourg"),
    ("Ми живемо в Поперінге", "flanders", "west_flanders"),
    ("Dixmude", "flanders", "west_flanders"),
    ("Bastenaken", "wallonia", "luxembourg"),
    ("we live in Silly", "wallonia", "hainaut"),
    ("Opzullik", "wallonia", "hainaut"),
    ("ik woon in Halen", "flanders", "limburg"),
    ("Я живу в Гален", "flanders", "limburg"),
    ("Je vis à Landen", "flanders", "flemish_brabant"),
    ("Fourons", "flanders", "limburg"),
    ("Я живу у Вурені", "flanders", "limburg"),
    ("ik woon in Boom", "flanders", "antwerp"),
    ("Я живу в Спа", "wallonia", "liege"),
    ("Spa (Liège)", "wallonia", "liege"),
    ("Ich wohne in Eupen", "wallonia", "liege"),  # the German-speaking municipalities are in Liège
    ("St. Vith", "wallonia", "liege"),
    ("Kelmis", "wallonia", "liege"),
    ("La Calamine", "wallonia", "liege"),
    ("Bütgenbach", "wallonia", "liege"),
    ("Ми живемо в Мальмеді", "wallonia", "liege"),
    ("J'habite à Visé", "wallonia", "liege"),
    ("Dolhain", "wallonia", "liege"),
    ("Limbourg", "flanders", "limburg"),  # alone, the province: the town is "Limbourg (Liège)" or Dolhain
    ("nous sommes à Comines", "wallonia", "hainaut"),  # Comines-Warneton, Hainaut, Flanders all around
    ("Mouscron", "wallonia", "hainaut"),
    ("Sint-Genesius-Rode", "flanders", "flemish_brabant"),
    ("Rhode-Saint-Genèse", "flanders", "flemish_brabant"),
    ("Я живу в Ватерлоо", "wallonia", "walloon_brabant"),
    ("Je vis à Jodoigne", "wallonia", "walloon_brabant"),
    ("Geldenaken", "wallonia", "walloon_brabant"),
    ("Aarlen", "wallonia", "luxembourg"),
    ("Hannuit", "wallonia", "liege"),
    ("Borgworm", "wallonia", "liege"),
    ("Pajottegem", "flanders", "flemish_brabant"),
    ("ik woon in Voeren", "flanders", "limburg"),
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
        # Municipalities whose names are everyday words, in everyday sentences.
        "I have a ham sandwich",
        "as soon as possible",
        "It is what is referred to as the integration course",
        "Can I get the card in as little as a week?",
        "Sorry if this is a silly question, but how do I open a bank account?",
        "c'est silly",
        "I need a lens for my glasses",
        "een boom in de tuin",
        # After a word that is also an article or particle, a lowercase name is a word.
        "how to manage my budget with the living wage?",
        "de boom voor ons huis is omgevallen",
        "is a peer mentor available?",
        "mon bouillon est trop salé",
        "je dois manage",
        "Comment ça marche ?",
        "ça marche",
        "Qui paie la réparation de la panne ?",
        "Les aides sont réservées à celles qui ont des enfants",
        "Je fais partie de celles qui cherchent un logement",
        "Ma fille lit Verlaine à l'école",
        "Zijn de lessen gratis?",
        "Waar kan ik lessen Nederlands volgen?",
        "Ik moet mijn kinderen om vier uur van school halen",
        "Mag ik naar Oekraïne om mijn papieren op te halen?",
        "Mag ik met tijdelijke bescherming naar landen buiten de EU reizen?",
        "De landen van de Europese Unie",
        "Hoeveel kost het om een gesprek te voeren?",
        "Kan ik op woensdag komen?",
        "Malle dingen gebeuren",
        "Я приїхала з сином і донькою",
        "У нас в селі немає автобуса",
        "Чи потрібна віза до Великобританії?",
        "З візою можна їхати?",
        "Вода для пиття з крана",
        "На жаль, я не знаю",
        "В крайнем случае позвоните",
        "Мне дали квартиру",
        "Это верно",
        "В первом квартале",
        "Шины для машины",
    ],
)
def test_no_place_where_there_is_none(gazetteer, text: str) -> None:
    assert gazetteer.resolve(text) is None


@pytest.mark.parametrize("text,place", [("I moved to Manage last year", "manage"), ("Ik woon te Boom", "boom"), ("ik woon in boom", "boom")])
def test_a_capitalised_name_after_an_article_like_word_is_a_place(gazetteer, text: str, place: str) -> None:
    assert [p.id for p in gazetteer.find(text)] == [place]


def test_ambiguous_names_count_after_a_preposition_or_alone(gazetteer) -> None:
    assert gazetteer.resolve("ik woon nu in Geel met mijn kinderen").province == "antwerp"
    assert gazetteer.resolve("Geel").province == "antwerp"
    assert gazetteer.resolve("Liège is where we live").province == "liege"  # only "Luik" is ambiguous
    assert gazetteer.resolve("we wonen in Boom met twee kinderen").id == "boom"
    assert gazetteer.resolve("Boom").id == "boom"
    assert gazetteer.resolve("de kinderen spelen bij een boom in het park") is None
    assert gazetteer.resolve("je vis à Bouillon depuis mars").id == "bouillon"
    assert gazetteer.resolve("Bouillon").id == "bouillon"


def test_names_that_stay_everyday_words_after_an_article_need_a_preposition(gazetteer) -> None:
    # "a spa", "op te halen", "à celles qui": the bare word never counts, the name with a preposition does.
    for text, municipality in [
        ("we live in Spa", "spa"),
        ("near Spa", "spa"),
        ("ik woon in Halen", "halen"),
        ("we live in Silly", "silly"),
        ("in Celles", "celles"),
        ("we live in Ham", "tessenderlo_ham"),
        ("ik woon in Lens", "lens"),
        ("ik woon te As", "as"),
    ]:
        assert gazetteer.resolve(text).id == municipality, text
    for text in ["Spa", "Halen", "Silly", "Celles", "Ham", "Lens", "As", "Landen", "I need a spa", "op te halen"]:
        assert gazetteer.resolve(text) is None, text


@pytest.mark.parametrize(
    "former,municipality",
    [
        # The mergers of 1 January 2025: people still name the former municipality.
        ("Borsbeek", "antwerpen"),
        ("Zwijndrecht", "beveren_kruibeke_zwijndrecht"),
        ("Kruibeke", "beveren_kruibeke_zwijndrecht"),
        ("Galmaarden", "pajottegem"),
        ("Gooik", "pajottegem"),
        ("Herne", "pajottegem"),
        ("Meulebeke", "tielt"),
        ("Ruiselede", "wingene"),
        ("Moerbeke", "lokeren"),
        ("Wachtebeke", "lochristi"),
        ("Melle", "merelbeke_melle"),
        ("De Pinte", "nazareth_de_pinte"),
        ("Kortessem", "hasselt"),
        ("we live in Ham", "tessenderlo_ham"),
        ("Hoeselt", "bilzen_hoeselt"),
        ("Borgloon", "tongeren_borgloon"),
        ("Looz", "tongeren_borgloon"),
        ("Bertogne", "bastogne"),
        ("Я живу в Мурбеке", "lokeren"),
        ("Мы живём в Мёлебеке", "tielt"),
    ],
)
def test_former_municipalities_name_the_merged_one(gazetteer, former: str, municipality: str) -> None:
    assert gazetteer.resolve(former).id == municipality


def test_a_postcode_outside_its_province_range(gazetteer) -> None:
    assert gazetteer.resolve("2070").province == "east_flanders"  # Zwijndrecht, since 2025


def test_gazetteer_covers_every_municipality(gazetteer) -> None:
    # Statbel's REFNIS list, boundaries of 1 January 2025: 565 municipalities, 19 in Brussels, 285 in
    # Flanders (after the 2025 mergers) and 261 in Wallonia (Bastogne took in Bertogne).
    ids = gazetteer.region_name_places()
    municipalities = [i for i in ids if ":" not in i]
    assert len(municipalities) == 565
    assert {"region:flanders", "region:wallonia", "region:brussels"} <= set(ids)
    assert len([i for i in ids if i.startswith("province:")]) == 10
    with open(PLACES_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    regions = Counter(m.get("region") or data["provinces"][m["province"]]["region"] for m in data["municipalities"])
    assert regions == {"brussels": 19, "flanders": 285, "wallonia": 261}
    provinces = Counter(m.get("province") for m in data["municipalities"] if m.get("province"))
    assert provinces == {
        "antwerp": 67, "limburg": 38, "east_flanders": 55, "west_flanders": 62, "flemish_brabant": 63,
        "walloon_brabant": 27, "hainaut": 69, "liege": 84, "luxembourg": 43, "namur": 38,
    }
    for item in data["municipalities"]:
        assert set(item["names"]) == {"nl", "fr", "en", "uk", "ru"}, item["id"]
        assert all(item["names"].values()), item["id"]
        assert item["id"].isascii() and re.fullmatch(r"[a-z_]+", item["id"]), item["id"]


def test_ambiguous_names_are_names_of_their_municipality() -> None:
    with open(PLACES_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for item in data["municipalities"]:
        names = {n.casefold() for variants in item["names"].values() for n in variants}
        for name in item.get("ambiguous") or []:
            if item["id"] != "saint_nicolas":  # Sint-Niklaas: the Dutch name of the other Saint-Nicolas
                assert name.casefold() in names, (item["id"], name)
