"""Does the service link post-1996 news? Mentions AIDA never saw, per knowledge base.

Three fixed sets of sentences about people, companies and institutions AIDA (1996) never saw,
annotated with the real model, once per knowledge base: the first (38 mentions, single
sentences), the second (53 mentions, written on 2026-12-06: short documents where names
come back short and companies carry their legal form) and "lone surnames" (35 mentions,
written on 2026-12-06 in the eighth session: single sentences naming a person by the surname
alone).

    python -m scripts.open_world_check                  # open vs aida, a summary per set
    python -m scripts.open_world_check --cases second   # one set ("first", "second", "lone surnames")
    python -m scripts.open_world_check --json           # one JSON object with every mention

A mention counts as right when the model finds exactly its span and links it to the expected
Wikipedia title (strong matching). Prints numbers; asserts nothing. The sentences were written
for this check, not chosen after seeing the model's answers; the expected titles are
Wikipedia's.
"""
from __future__ import annotations

import argparse
import json
import sys

from model.settings import KB_MODES

# (text, [(surface, expected Wikipedia title)])
CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Angela Merkel met the mayor of Paris.", [("Angela Merkel", "Angela_Merkel"), ("Paris", "Paris")]),
    ("Shares of Tesla fell on the NYSE after Elon Musk posted on Twitter.",
     [("Tesla", "Tesla,_Inc."), ("NYSE", "New_York_Stock_Exchange"), ("Elon Musk", "Elon_Musk"),
      ("Twitter", "Twitter")]),
    ("Tim Cook said Apple would build a new campus in Austin.",
     [("Tim Cook", "Tim_Cook"), ("Apple", "Apple_Inc."), ("Austin", "Austin,_Texas")]),
    ("Barack Obama spoke at the European Central Bank in Frankfurt.",
     [("Barack Obama", "Barack_Obama"), ("European Central Bank", "European_Central_Bank"),
      ("Frankfurt", "Frankfurt")]),
    ("Google and Facebook were fined by the European Commission.",
     [("Google", "Google"), ("Facebook", "Facebook"), ("European Commission", "European_Commission")]),
    ("Emmanuel Macron and Theresa May met in Brussels.",
     [("Emmanuel Macron", "Emmanuel_Macron"), ("Theresa May", "Theresa_May"), ("Brussels", "Brussels")]),
    ("Mark Zuckerberg testified before the United States Senate.",
     [("Mark Zuckerberg", "Mark_Zuckerberg"), ("United States Senate", "United_States_Senate")]),
    ("Jacinda Ardern thanked the people of New Zealand.",
     [("Jacinda Ardern", "Jacinda_Ardern"), ("New Zealand", "New_Zealand")]),
    ("The World Health Organization praised South Korea.",
     [("World Health Organization", "World_Health_Organization"), ("South Korea", "South_Korea")]),
    ("Netflix and Spotify reported record numbers of subscribers.", [("Netflix", "Netflix"), ("Spotify", "Spotify")]),
    ("Greta Thunberg spoke at the United Nations in New York.",
     [("Greta Thunberg", "Greta_Thunberg"), ("United Nations", "United_Nations"), ("New York", "New_York_City")]),
    ("Satya Nadella said Microsoft would buy LinkedIn.",
     [("Satya Nadella", "Satya_Nadella"), ("Microsoft", "Microsoft"), ("LinkedIn", "LinkedIn")]),
    ("Uber and Airbnb raised money from SoftBank.", [("Uber", "Uber"), ("Airbnb", "Airbnb"), ("SoftBank", "SoftBank_Group")]),
    ("Vladimir Putin met Xi Jinping in Beijing.",
     [("Vladimir Putin", "Vladimir_Putin"), ("Xi Jinping", "Xi_Jinping"), ("Beijing", "Beijing")]),
]

# Written on 2026-12-06, before the model saw them: short documents of recent news, where a
# name comes back short ("Biden", "Goldman"), companies carry their legal form ("Corp", "PLC")
# and a one-word name may be both a person and a place.
SECOND_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Joe Biden met Volodymyr Zelensky in Kyiv on Monday. Biden promised more help for Ukraine.",
     [("Joe Biden", "Joe_Biden"), ("Volodymyr Zelensky", "Volodymyr_Zelenskyy"), ("Kyiv", "Kyiv"),
      ("Biden", "Joe_Biden"), ("Ukraine", "Ukraine")]),
    ("Pfizer and BioNTech said their vaccine was approved in Britain. Moderna expects a decision soon.",
     [("Pfizer", "Pfizer"), ("BioNTech", "BioNTech"), ("Britain", "United_Kingdom"), ("Moderna", "Moderna")]),
    ("Warren Buffett's Berkshire Hathaway Inc held its annual meeting in Omaha. Buffett praised Apple.",
     [("Warren Buffett", "Warren_Buffett"), ("Berkshire Hathaway Inc", "Berkshire_Hathaway"),
      ("Omaha", "Omaha,_Nebraska"), ("Buffett", "Warren_Buffett"), ("Apple", "Apple_Inc.")]),
    ("Exxon Mobil Corp and Chevron Corp reported higher profits as oil prices rose.",
     [("Exxon Mobil Corp", "ExxonMobil"), ("Chevron Corp", "Chevron_Corporation")]),
    ("Goldman Sachs Group Inc cut jobs in London. A Goldman spokesman declined to comment.",
     [("Goldman Sachs Group Inc", "Goldman_Sachs"), ("London", "London"), ("Goldman", "Goldman_Sachs")]),
    ("Narendra Modi visited Washington. Modi and the president discussed trade with China.",
     [("Narendra Modi", "Narendra_Modi"), ("Washington", "Washington,_D.C."), ("Modi", "Narendra_Modi"),
      ("China", "China")]),
    ("Samsung Electronics overtook Intel as the largest chipmaker, the company said in Seoul.",
     [("Samsung Electronics", "Samsung_Electronics"), ("Intel", "Intel"), ("Seoul", "Seoul")]),
    ("Cristiano Ronaldo joined Al Nassr after leaving Manchester United.",
     [("Cristiano Ronaldo", "Cristiano_Ronaldo"), ("Al Nassr", "Al_Nassr_FC"),
      ("Manchester United", "Manchester_United_F.C.")]),
    ("Jamie Dimon, chief executive of JPMorgan Chase & Co, warned about inflation.",
     [("Jamie Dimon", "Jamie_Dimon"), ("JPMorgan Chase & Co", "JPMorgan_Chase")]),
    ("Huawei opened a research centre in Shenzhen, the Chinese company said.",
     [("Huawei", "Huawei"), ("Shenzhen", "Shenzhen")]),
    ("NATO Secretary General Jens Stoltenberg said Sweden and Finland would join the alliance.",
     [("NATO", "NATO"), ("Jens Stoltenberg", "Jens_Stoltenberg"), ("Sweden", "Sweden"), ("Finland", "Finland")]),
    ("Airbus delivered more planes than Boeing last year, the Toulouse-based group said.",
     [("Airbus", "Airbus"), ("Boeing", "Boeing")]),
    ("Rishi Sunak became prime minister after Liz Truss resigned. Sunak is the first Hindu to lead Britain.",
     [("Rishi Sunak", "Rishi_Sunak"), ("Liz Truss", "Liz_Truss"), ("Sunak", "Rishi_Sunak"),
      ("Britain", "United_Kingdom")]),
    ("Greenpeace activists protested outside the headquarters of Royal Dutch Shell PLC in The Hague.",
     [("Greenpeace", "Greenpeace"), ("Royal Dutch Shell PLC", "Shell_plc"), ("The Hague", "The_Hague")]),
    ("Jair Bolsonaro lost the election in Brazil to Luiz Inacio Lula da Silva.",
     [("Jair Bolsonaro", "Jair_Bolsonaro"), ("Brazil", "Brazil"), ("Luiz Inacio Lula da Silva", "Luiz_Inácio_Lula_da_Silva")]),
    ("Jeff Bezos stepped down as chief executive of Amazon. Andy Jassy succeeded Bezos.",
     [("Jeff Bezos", "Jeff_Bezos"), ("Amazon", "Amazon_(company)"), ("Andy Jassy", "Andy_Jassy"),
      ("Bezos", "Jeff_Bezos")]),
]
# The third set (written on 2026-12-06, eighth session, before the model saw them): single news
# sentences that name a well-known person by the surname alone, as headlines and one-sentence
# RSS items do. None of these surnames was looked up while the famous-bearer rule was designed.
LONE_SURNAME_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Gingrich attacked the White House over the budget.", [("Gingrich", "Newt_Gingrich")]),
    ("Cheney defended the war in Iraq on Sunday.", [("Cheney", "Dick_Cheney")]),
    ("Rumsfeld visited troops in Afghanistan.", [("Rumsfeld", "Donald_Rumsfeld")]),
    ("McCain criticised the president's foreign policy.", [("McCain", "John_McCain")]),
    ("Palin endorsed the candidate in Alaska.", [("Palin", "Sarah_Palin")]),
    ("Giuliani said New York was safer than ever.", [("Giuliani", "Rudy_Giuliani")]),
    ("Corbyn called for a general election.", [("Corbyn", "Jeremy_Corbyn")]),
    ("Farage campaigned for Britain to leave the European Union.", [("Farage", "Nigel_Farage")]),
    ("Juncker presented the commission's plan in Strasbourg.", [("Juncker", "Jean-Claude_Juncker")]),
    ("Renzi resigned after losing the referendum.", [("Renzi", "Matteo_Renzi")]),
    ("Rajoy won the Spanish election.", [("Rajoy", "Mariano_Rajoy")]),
    ("Tsipras agreed to the bailout terms in Brussels.", [("Tsipras", "Alexis_Tsipras")]),
    ("Varoufakis left the Greek government.", [("Varoufakis", "Yanis_Varoufakis")]),
    ("Maliki formed a new government in Baghdad.", [("Maliki", "Nouri_al-Maliki")]),
    ("Nasrallah threatened Israel in a televised speech.", [("Nasrallah", "Hassan_Nasrallah")]),
    ("Mugabe ruled Zimbabwe for decades.", [("Mugabe", "Robert_Mugabe")]),
    ("Milosevic went on trial in The Hague.", [("Milosevic", "Slobodan_Milošević")]),
    ("Pinochet was arrested in London.", [("Pinochet", "Augusto_Pinochet")]),
    ("Kissinger advised the president on China.", [("Kissinger", "Henry_Kissinger")]),
    ("Annan urged both sides to stop the fighting.", [("Annan", "Kofi_Annan")]),
    ("Murdoch bought the newspaper for $5 billion.", [("Murdoch", "Rupert_Murdoch")]),
    ("Soros bet against the pound.", [("Soros", "George_Soros")]),
    ("Branson launched a new airline.", [("Branson", "Richard_Branson")]),
    ("Icahn took a stake in the company.", [("Icahn", "Carl_Icahn")]),
    ("Phelps won another gold medal in the pool.", [("Phelps", "Michael_Phelps")]),
    ("Mourinho was sacked by Chelsea.", [("Mourinho", "José_Mourinho"), ("Chelsea", "Chelsea_F.C.")]),
    ("Wenger praised his young players at Arsenal.", [("Wenger", "Arsène_Wenger"), ("Arsenal", "Arsenal_F.C.")]),
    ("Zidane scored twice in the final.", [("Zidane", "Zinedine_Zidane")]),
    ("Sharapova reached the semi-finals.", [("Sharapova", "Maria_Sharapova")]),
    ("Schumacher won the race in Monza.", [("Schumacher", "Michael_Schumacher"), ("Monza", "Monza")]),
    ("Kasparov lost to the computer.", [("Kasparov", "Garry_Kasparov")]),
    ("Powell said the Fed would raise interest rates.", [("Powell", "Jerome_Powell")]),
]
CASE_SETS = {"first": CASES, "second": SECOND_CASES, "lone surnames": LONE_SURNAME_CASES}


def check(kb: str, sets: list[str] | None = None) -> list[dict]:
    """The mentions of each case set in `sets` (default: all of `CASE_SETS`), annotated with `kb`."""
    from model.annotator import Annotator

    annotator = Annotator.load(kb=kb)
    return [_check_set(annotator, kb, name, CASE_SETS[name]) for name in (sets or list(CASE_SETS))]


def _check_set(annotator, kb: str, name: str, cases: list[tuple[str, list[tuple[str, str]]]]) -> dict:
    right, rows = 0, []
    for text, expected in cases:
        found = {(m.start, m.end): m for m in annotator.annotate(text)}
        cursor = 0  # the expected mentions are listed in the text's order; a name may come back
        for surface, title in expected:
            start = text.index(surface, cursor)
            cursor = start + len(surface)
            mention = found.get((start, start + len(surface)))
            got = mention.entity if mention else None
            right += got == title
            rows.append({"text": text, "surface": surface, "expected": title, "detected": mention is not None,
                         "linked": got, "right": got == title})
    total = sum(len(e) for _, e in cases)
    return {"kb": kb, "cases": name, "right": right, "mentions": total, "accuracy": round(100 * right / total, 1),
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", nargs="+", choices=KB_MODES, default=["open", "aida"])
    parser.add_argument("--cases", nargs="+", choices=list(CASE_SETS), default=list(CASE_SETS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = [result for kb in args.kb for result in check(kb, args.cases)]
    if args.json:
        print(json.dumps(results))
        return 0
    for result in results:
        print(f"kb={result['kb']}, {result['cases']} cases: {result['right']}/{result['mentions']} mentions linked right "
              f"({result['accuracy']}%)")
        for row in result["rows"]:
            mark = "ok " if row["right"] else "-- "
            got = row["linked"] if row["detected"] else "(span not detected)"
            print(f"  {mark}{row['surface']!r}: expected {row['expected']}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
