"""The owners reader: who owns and who sponsors a piece of work, however the document says it."""

from __future__ import annotations

import pytest

from ingest import parse_document
from kb.charter import check
from kb.reading.owners import accountable, same


def _people(text: str, source: str = "charter.md") -> tuple[list[str], list[str]]:
    doc = parse_document(text.encode(), source=source, fmt="markdown")[0]
    found = accountable(doc)
    return [p.name for p in found.owners], [p.name for p in found.sponsors]


def test_first_names_resolve_to_the_people_the_minutes_name_in_full() -> None:
    owners, _ = _people(
        "# Minutes\n\nPresent: Sofia Marquez (ward manager), Daan Visser (IT Innovation), "
        "Eva Lund (nurse)\n\nSofia owns the PoC; Daan is technical lead and shares the "
        "responsibility.\n"
    )
    assert owners == ["Sofia Marquez", "Daan Visser"]


def test_i_and_you_are_the_sender_and_the_recipient_of_the_message() -> None:
    owners, sponsors = _people(
        "From: Ken Mwangi\nTo: Aoife Gallagher\nCc: Declan Hughes\n\n"
        "Aoife - fine by me. You and Declan own it between you.\n"
    )
    assert sorted(owners) == ["Aoife Gallagher", "Declan Hughes"]
    owners, _ = _people(
        "From: Mariam Haddad\nTo: Daniel Moor\nCc: Jonas Brandt\n\n"
        "I would lead this together with Jonas from BI.\n"
    )
    assert sorted(owners) == ["Jonas Brandt", "Mariam Haddad"]


def test_initials_in_minutes_and_roles_in_table_rows() -> None:
    owners, sponsors = _people(
        "# Kick-off\n\nPresent: Fiona Gallagher (FG, chair), Kerry Ashworth (KA, Team Leader)\n\n"
        "FG will sponsor the PoC; KA will own it day to day.\n"
    )
    assert owners == ["Kerry Ashworth"] and sponsors == ["Fiona Gallagher"]
    owners, sponsors = _people(
        "# Roles\n\n| Role | Name |\n|---|---|\n| Sponsor | Martin Greaves, Finance Director |\n"
        "| PoC owner | Helen Marchetti |\n| Operations owner (from pilot) | Lucy Tran |\n"
    )
    assert owners == ["Helen Marchetti"] and sponsors == ["Martin Greaves"]


def test_questions_refusals_listings_and_helpers_name_no_owner() -> None:
    owners, _ = _people(
        "# Chat\n\n[09:18] Marco Rossi: who owns this?\n"
        "[09:19] Dev Patel: fine, I'll own it\n"
        "[09:19] Marco Rossi: can help on the WMS side but not as owner\n"
        "Watchers: Hanne Ruud (Copy Team Lead)\n"
    )
    assert owners == ["Dev Patel"]


def test_raci_accountable_columns_own_the_work() -> None:
    owners, sponsors = _people(
        "# Plan\n\n## RACI\n\n| Activity | N. Karlsen (Pharmacy) | O. Lind (IT) | M. Wolff (Sponsor) |\n"
        "|---|---|---|---|\n| Build | A | R | I |\n| Pilot | A | C | I |\n"
        "| Gate reviews | R | A/R | A |\n| Stop decision | R | A | A |\n"
    )
    assert owners == ["N. Karlsen", "O. Lind"] and sponsors == ["M. Wolff"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Sofia", "Sofia Marquez", True),
        ("N. Karlsen", "Nadia Karlsen", True),
        ("Nadia Karlsen", "Nina Karlsen", True),  # one initial cannot tell them apart
        ("Nadia Karlsen", "Nadia Olsen", False),
    ],
)
def test_same_person(a: str, b: str, expected: bool) -> None:
    assert same(a, b) is expected


def test_a_sponsor_is_a_second_accountable_name_for_single_owner() -> None:
    alone = "# PoC\n\nOwner: Sunita Rao, Underwriting\n"
    assert "single-owner" in {x.code for x in check(alone)}
    with_sponsor = alone + "\nSponsor: Daniel Hartley, Chief Underwriting Officer\n"
    assert "single-owner" not in {x.code for x in check(with_sponsor)}


def test_handover_with_first_names_arrows_chats_and_takers() -> None:
    from kb.reading.owners import handover

    def read(text: str, source: str = "handover.md") -> tuple[str | None, str | None]:
        return handover(parse_document(text.encode(), source=source, fmt="markdown")[0])

    assert read(
        "# Runbook\n\n| Item | Detail |\n|---|---|\n| Prepared by | Bartek Zieliński, contractor |\n\n"
        "This runbook is the handover from Bartek to Hannah Okoro.\n"
    ) == ("Bartek Zieliński", "Hannah Okoro")
    assert read(
        "# README\n\n> Handover note (Ines Duarte, May 2025): I'm leaving on 31 May and "
        "Felix Brandt is taking over this repo.\n"
    ) == ("Ines Duarte", "Felix Brandt")
    assert read(
        "Participants: Zoe Harrington, Mateus Costa\n\n"
        "[12/05/2025 09:14] Zoe Harrington: morning Mateus! from Monday the PoC is officially yours\n",
        "chat.txt",
    ) == ("Zoe Harrington", "Mateus Costa")
    # a possible future owner is not the recipient
    assert read("# Note\n\nMaybe Felix Brandt could take over later.\n")[1] is None


def test_owners_named_the_way_drafts_name_them() -> None:
    """Fictional drafts in forms the 2026-12-03 writers used: each names one owner."""
    assert _people(
        "From: Ciara Lynch <c.lynch@example.org>\nTo: Team\n\nCan we try it? I'll front it.\n"
    )[0] == ["Ciara Lynch"]
    assert _people("# Canvas\n\n┌─ 7. OWNER ─────────\nTomas Reyes (Head of Billing)\n")[0] == [
        "Tomas Reyes"
    ]
    assert _people("Summary: triage bot\nReporter: Ines Duarte Assignee: Ines Duarte\n")[0] == [
        "Ines Duarte"
    ]
    owners, sponsors = _people(
        "Project owner (submitter): Dr. Lena Brandt\nExecutive sponsor: Prof. Omar Said\n"
    )
    assert (owners, sponsors) == (["Lena Brandt"], ["Omar Said"])


def test_an_answer_to_who_owns_it_names_its_speaker() -> None:
    owners, _ = _people(
        "[Mon 09:34] Pavel Novak: who owns this? I'm happy to build but I'm not the owner\n"
        "[Mon 09:35] Greta Lind: me, as ops director. Ruben is co-owner for the field side\n"
        "[Mon 09:36] Ruben Ortiz: fine by me\n"
    )
    assert owners == ["Greta Lind", "Ruben Ortiz"]
    owners, _ = _people(
        "Priya Shah  09:37\nwho's going to own this?\n\nAma Mensah  09:38\nme. I'll own it\n"
    )
    assert owners == ["Ama Mensah"]
